// The review page: the submitted mask over the slice, what changed from the pre-label (added, removed,
// relabelled pixels in their own colours), and accept / reject with a comment (If-Match: the ETag).
// Template: annotations/review_detail.html. Left drag pans here: a reviewer looks, and does not paint.

import { readJson, setStatus } from "../core/dom.js";
import { ImageStage } from "../core/stage.js";
import { initialCoverage, withoutUncovered } from "../labelling/coverage.js";
import { compositeOverlay } from "../labelling/render.js";
import { fetchMask, fetchOptionalMask, fetchPixelsAt, postWithEtag } from "../labelling/page/masks-api.js";
import { LABELLING_STAGE } from "../labelling/page/stage-options.js";
import { composeReview, diffMasks } from "./diff.js";

const review = readJson("review-data");
const page = document.querySelector("[data-review]");
const $ = (selector) => page.querySelector(selector);
const view = { mode: "both", opacity: 0.5, outline: false };
let etag = review.annotation?.etag ?? null;

async function start() {
  const { image, label_set: labelSet, urls } = review;
  const expected = { width: image.columns, height: image.rows, labels: labelSet.labels };
  const [pixels, current, prelabel] = await Promise.all([
    fetchPixelsAt(urls.pixels),
    fetchMask(urls.mask, expected),
    fetchOptionalMask(urls.prelabel, expected),
  ]);
  etag = current.etag ?? etag;
  // Only the labels this revision covers were corrected; the rest were left out, not removed.
  const covered = initialCoverage(labelSet.labels, review.annotation?.current_revision);
  const { map, counts } = diffMasks(prelabel ? withoutUncovered(prelabel.mask, covered) : null, current.mask);
  showCounts(counts, Boolean(prelabel));
  const stage = new ImageStage($("[data-stage]"), {
    ...LABELLING_STAGE,
    compose: (base, out) =>
      view.mode === "prelabel"
        ? compositeOverlay(base, prelabel?.mask ?? { ...current.mask, data: new Uint8Array(current.mask.data.length) }, { ...view, out })
        : composeReview(base, current.mask, map, { ...view, out }),
  });
  stage.setImage({ ...pixels, spacing: pixels.spacing ?? image.pixel_spacing_mm });
  bindControls(stage);
  window.__review = { stage, mask: current.mask, prelabel: prelabel?.mask ?? null, counts };
  showReviewable(review.annotation?.status ?? "none");
  page.dataset.ready = "true";
}

function showCounts(counts, hasPrelabel) {
  for (const [name, value] of Object.entries(counts)) {
    const node = $(`[data-count="${name}"]`);
    if (node) node.textContent = value.toLocaleString("en");
  }
  if (!hasPrelabel) $("[data-no-prelabel]").hidden = false;
}

function showReviewable(status) {
  const open = status === "submitted";
  for (const button of page.querySelectorAll("[data-decision]")) button.disabled = !open;
  const text = open ? "Accept to let this mask train models, or reject with a comment." : `This mask is ${status}: only submitted masks are reviewed.`;
  setStatus($("[data-review-status]"), { text, tone: open ? "info" : "warn" });
}

function bindControls(stage) {
  for (const input of page.querySelectorAll("input[name=rv-mode]")) {
    input.addEventListener("change", () => {
      view.mode = input.value;
      stage.refresh(null);
    });
  }
  $("[data-control=opacity]").addEventListener("input", (event) => {
    view.opacity = Number(event.target.value) / 100;
    stage.refresh(null);
  });
  $("[data-control=outline]").addEventListener("change", (event) => {
    view.outline = event.target.checked;
    stage.refresh(null);
  });
  $("[data-decision=accept]").addEventListener("click", () => decide("accept"));
  $("[data-decision=reject]").addEventListener("click", () => decide("reject"));
}

async function decide(decision) {
  const comment = $("[data-comment]").value.trim();
  const status = $("[data-review-status]");
  if (decision === "reject" && !comment) {
    setStatus(status, { text: "Say what to fix: a rejected mask goes back to its labeller with your comment.", tone: "bad" });
    $("[data-comment]").focus();
    return;
  }
  for (const button of page.querySelectorAll("[data-decision]")) button.disabled = true;
  try {
    const answer = await postWithEtag(review.urls.review, etag, { decision, comment });
    etag = answer.etag ?? etag;
    const outcome = answer.annotation?.status ?? (decision === "accept" ? "accepted" : "rejected");
    setStatus(status, { text: decision === "accept" ? "Accepted: this mask can now train models." : "Rejected: sent back to the labeller.", tone: "ok" });
    const badge = $("[data-status-badge]");
    badge.textContent = outcome;
    badge.className = `badge badge-${outcome}`;
    page.dataset.decision = outcome;
  } catch (error) {
    const text = error.status === 412 ? "The mask changed since this page opened: reload to review the latest revision." : `Could not record the decision: ${error.message}`;
    setStatus(status, { text, tone: "bad" });
    for (const button of page.querySelectorAll("[data-decision]")) button.disabled = false;
  }
}

start().catch((error) => {
  setStatus($("[data-review-status]"), { text: `Could not open this mask: ${error.message}`, tone: "bad" });
  page.dataset.ready = "error";
  console.error(error);
});
