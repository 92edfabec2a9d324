// A job's live page: polls GET /api/jobs/{id}/ every second while it is queued or running and redraws
// progress, metrics, log tail and failure reason; a succeeded training job shows its curves.

import { getJson, postJson } from "../core/api.js";
import { curvesFigure } from "./chart.js";
import { busy, el, readJson, say } from "../core/dom.js";
import { statusBadge } from "./status-badge.js";
import { formatDateTime, formatDice, formatLoss, formatSeconds } from "./format.js";
import { createPoller, epochText, isFinished, progressLine, progressPercent, resultVersionId, tailLines, trainingEta } from "./job.js";

const root = document.querySelector("[data-job-page]");
const jobId = root.dataset.jobId;
const canCancel = root.dataset.canCancel === "true";
const $ = (selector) => document.querySelector(selector);
const KIND_NAMES = { train: "Training", infer: "Inference", evaluate: "Evaluation", ingest: "Ingest", export: "Export" };

let shownResultFor = null;
let drawnEpochs = -1; // the live curves are redrawn only when an epoch is added

function metric(label, value, key) {
  return el("div", { [`data-metric-${key}`]: "" }, el("dt", {}, label), el("dd", {}, value));
}

function elapsed(job) {
  if (!job.started_at) return null;
  const end = job.finished_at ? new Date(job.finished_at) : new Date();
  return (end - new Date(job.started_at)) / 1000;
}

function render(job) {
  const finished = isFinished(job);
  root.dataset.state = job.state;
  $("[data-job-title]").textContent = `${KIND_NAMES[job.kind] ?? job.kind} job ${job.id}`;
  $("[data-job-state]").replaceChildren(statusBadge(job.state));
  $("[data-job-lede]").textContent = `Created ${formatDateTime(job.created_at)}${job.started_at ? ` · started ${formatDateTime(job.started_at)}` : ""}${
    job.finished_at ? ` · finished ${formatDateTime(job.finished_at)}` : ""
  }`;

  const progress = $("[data-job-progress]");
  progress.value = progressPercent(job);
  progress.dataset.value = String(progressPercent(job));
  $("[data-job-progress-text]").textContent = progressLine(job);

  const detail = job.progress_detail ?? {};
  $("[data-job-metrics]").replaceChildren(
    ...[
      epochText(detail) && metric("Epoch", epochText(detail).replace("Epoch ", ""), "epoch"),
      Number.isFinite(detail.loss) && metric("Loss", formatLoss(detail.loss), "loss"),
      Number.isFinite(detail.val_dice) && metric("Validation Dice", formatDice(detail.val_dice), "dice"),
      Number.isFinite(detail.best_dice) && metric("Best validation Dice so far", formatDice(detail.best_dice), "best"),
      liveEta(job),
      metric("Attempts", String(job.attempts ?? 0), "attempts"),
      job.started_at ? metric(finished ? "Took" : "Running for", formatSeconds(elapsed(job)), "elapsed") : null,
      job.heartbeat_at && !finished ? metric("Last heartbeat", formatDateTime(job.heartbeat_at), "heartbeat") : null,
    ].filter(Boolean),
  );

  const failed = job.state === "failed";
  $("[data-job-error]").hidden = !(failed && job.error);
  $("[data-job-error-text]").textContent = job.error ?? "";

  const lines = tailLines(job.log_tail);
  const log = $("[data-job-log]");
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 8;
  log.textContent = lines.length ? lines.join("\n") : "—";
  if (atBottom) log.scrollTop = log.scrollHeight;

  const cancel = $("[data-cancel]");
  cancel.hidden = !canCancel || finished;
  cancel.disabled = Boolean(job.cancel_requested);
  if (job.cancel_requested && !finished) cancel.textContent = "Cancelling…";

  drawLiveCurves(job);
  if (job.state === "succeeded") showResult(job);
}

// While training runs: the time left from the measured epoch times (none before two epochs); the page polls
// every second, so it counts down between epochs.
function liveEta(job) {
  if (job.state !== "running" || !Number.isFinite(job.progress_detail?.epochs)) return null;
  const seconds = trainingEta(job);
  // "up to": early stopping may end the training before its last epoch
  const text = seconds == null ? "known after two epochs" : `up to ${formatSeconds(seconds)}`;
  return metric("Training time left", text, "eta");
}

// The loss and Dice curves so far, drawn while the job runs; a succeeded job shows its version's instead.
function drawLiveCurves(job) {
  const box = $("[data-job-curves]");
  const history = job.progress_detail?.history ?? [];
  box.hidden = job.state === "succeeded" || history.length === 0;
  if (box.hidden || history.length === drawnEpochs) return;
  drawnEpochs = history.length;
  $("[data-job-curves-body]").replaceChildren(curvesFigure(history));
}

async function showResult(job) {
  const box = $("[data-job-result]");
  const body = $("[data-job-result-body]");
  const versionId = job.kind === "train" ? resultVersionId(job) : null;
  if (shownResultFor === job.id) return;
  shownResultFor = job.id;
  box.hidden = false;
  if (versionId == null) {
    const entries = Object.entries(job.result ?? {});
    body.replaceChildren(
      entries.length
        ? el("dl", { class: "facts" }, entries.map(([k, v]) => el("div", {}, el("dt", {}, k.replaceAll("_", " ")), el("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v)))))
        : el("p", { class: "muted" }, "Finished with nothing to report."),
    );
    return;
  }
  const link = el("a", { class: "button button-primary", href: `/models/${versionId}/`, "data-version-link": versionId }, "Open the new version");
  const promoted = job.result?.promoted;
  body.replaceChildren(
    el("p", {}, `Trained version ${versionId}`, promoted ? ` · promoted: ${promoted}` : "", ". ", link),
    el("p", { class: "muted" }, "Loading the training curves…"),
  );
  try {
    const version = await getJson(`/api/model-versions/${versionId}/`);
    link.textContent = `Open ${version.name}`;
    body.replaceChildren(el("p", {}, `${version.name} `, statusBadge(version.status), promoted ? ` · automatic promotion: ${promoted} ` : " ", link), curvesFigure(version.history ?? []));
  } catch (failure) {
    body.lastElementChild.textContent = `The curves could not be loaded: ${failure.message}`;
  }
}

const message = $("[data-job-message]");
const poller = createPoller({
  load: () => getJson(`/api/jobs/${jobId}/`),
  onUpdate: (job) => {
    say(message, "");
    render(job);
  },
  onError: (failure) => say(message, `Could not refresh the job (${failure.message}); retrying…`, "info"),
});

$("[data-cancel]").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  try {
    const job = await busy(button, () => postJson(`/api/jobs/${jobId}/cancel`, {}), "Cancelling…");
    render(job);
    poller.poke();
  } catch (failure) {
    say(message, failure.message);
  }
});

const initial = readJson("job-data", null);
if (initial) render(initial);
if (!initial || !isFinished(initial)) poller.start();
