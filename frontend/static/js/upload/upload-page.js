// The upload page: a drop zone and two pickers feed the queue; a progress bar, a summary and a
// table (one <tbody> per file, one row per result: a zip's members each get a row) show outcomes.

import { el } from "../core/dom.js";
import { filesFromDataTransfer, filesFromList } from "./entries.js";
import { UploadQueue, itemOutcome, overallProgress, reasonSentence, studiesOf, tally, DONE, FAILED, SKIPPED } from "./queue.js";
import { sendFile } from "./transport.js";

const root = document.querySelector("[data-upload]");
const dropzone = root.querySelector("[data-dropzone]");
const statusBox = root.querySelector("[data-upload-status]");
const progress = root.querySelector("[data-progress]");
const progressText = root.querySelector("[data-progress-text]");
const summary = root.querySelector("[data-summary]");
const studyLinks = root.querySelector("[data-study-links]");
const table = root.querySelector("[data-upload-table]");

const maxBytes = (Number.parseFloat(root.dataset.maxFileMb) || 0) * 1048576;
const bodies = new Map(); // item id -> <tbody>
const dirty = new Set();
let frame = 0;

const queue = new UploadQueue({ send: sendFile, maxBytes, onChange: (items, item) => scheduleRender(item ? [item] : items) });

function scheduleRender(items) {
  for (const item of items) dirty.add(item);
  if (!frame) frame = requestAnimationFrame(render);
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1048576) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

const studyLink = (studyId) => (studyId == null ? "" : el("a", { href: `/studies/${studyId}/`, class: "study-link" }, "Open study"));

function badge(outcome) {
  const slug = outcome.replace(/\s+/g, "-");
  return el("span", { class: `badge badge-${slug}`, "data-outcome": slug }, outcome);
}

function resultDetail(result) {
  if (result.status === "rejected") return el("span", { class: "reason" }, reasonSentence(result.file, result.reason));
  const device = result.device ? `Device: ${result.device}` : "";
  if (result.status !== "duplicate") return device;
  // Stored in a study this user may not open: the server names no study, so there is no link to follow.
  if (result.studyId == null) return el("span", { class: "reason", "data-not-shared": "" }, result.reason ?? "Already stored; not shared with you.");
  return `Already stored${device ? ` · ${device}` : ""}`;
}

function itemRows(item) {
  const outcome = itemOutcome(item);
  const single = item.results.length === 1 && !item.zip ? item.results[0] : null;
  let detail = "";
  if (item.state === FAILED || item.state === SKIPPED) detail = el("span", { class: "reason" }, item.error);
  else if (single) detail = resultDetail(single);
  else if (item.state === DONE) detail = `${item.results.length} file${item.results.length === 1 ? "" : "s"} in archive`;
  else if (item.state === "uploading") detail = item.loaded > 0 ? `${Math.round((item.loaded / item.size) * 100)} % sent` : "Sending…";
  else if (item.state === "processing") detail = "Checking and de-identifying…";
  const main = el(
    "tr",
    { class: "upload-row", "data-file": item.name, "data-outcome": outcome.replace(/\s+/g, "-") },
    el("td", { class: "file-name" }, item.name),
    el("td", { class: "num" }, formatBytes(item.size)),
    el("td", {}, badge(outcome)),
    el("td", {}, detail),
    el("td", {}, single ? studyLink(single.studyId) : ""),
  );
  if (single || item.state !== DONE) return [main];
  const members = item.results.map((result) =>
    el(
      "tr",
      { class: "upload-row member-row", "data-file": result.file, "data-outcome": result.status },
      el("td", { class: "file-name" }, result.file),
      el("td", { class: "num" }, ""),
      el("td", {}, badge(result.status)),
      el("td", {}, resultDetail(result)),
      el("td", {}, studyLink(result.studyId)),
    ),
  );
  return [main, ...members];
}

function renderItem(item) {
  let body = bodies.get(item.id);
  if (!body) {
    body = el("tbody", { "data-item": String(item.id) });
    bodies.set(item.id, body);
    table.append(body);
  }
  body.replaceChildren(...itemRows(item));
}

function renderSummary(items) {
  const counts = tally(items);
  const fraction = overallProgress(items);
  progress.value = fraction;
  const sent = items.filter((item) => item.state !== SKIPPED);
  const answered = counts.finished - counts.skipped;
  // floor, not round: the text never says 100 % before the last file's outcome
  progressText.textContent = counts.pending
    ? `${answered} of ${sent.length} files answered · ${Math.floor(fraction * 100)} %`
    : `All ${sent.length} files answered`;
  const parts = [`${counts.stored} stored`, `${counts.duplicates} duplicate${counts.duplicates === 1 ? "" : "s"}`, `${counts.rejected} rejected`];
  if (counts.failed) parts.push(`${counts.failed} failed`);
  if (counts.skipped) parts.push(`${counts.skipped} skipped`);
  summary.textContent = parts.join(" · ");
  summary.dataset.done = counts.pending === 0 ? "true" : "false";
  studyLinks.replaceChildren(
    ...studiesOf(items).map((study) =>
      el(
        "li",
        {},
        el("a", { href: `/studies/${study.id}/` }, `Study ${study.id}`),
        study.device ? ` · ${study.device}` : "",
        ` · ${study.stored} new image${study.stored === 1 ? "" : "s"}${study.duplicates ? `, ${study.duplicates} already stored` : ""}`,
      ),
    ),
  );
}

function render() {
  frame = 0;
  for (const item of dirty) renderItem(item);
  dirty.clear();
  statusBox.hidden = false;
  table.hidden = false;
  renderSummary(queue.items);
}

function addFiles(files) {
  if (files.length > 0) queue.add(files);
}

for (const input of root.querySelectorAll("[data-file-input]")) {
  input.addEventListener("change", () => {
    addFiles(filesFromList(input.files));
    input.value = ""; // so choosing the same files again fires change again
  });
}

dropzone.addEventListener("dragenter", (event) => {
  event.preventDefault();
  dropzone.classList.add("is-over");
});
dropzone.addEventListener("dragover", (event) => {
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
});
dropzone.addEventListener("dragleave", (event) => {
  if (!dropzone.contains(event.relatedTarget)) dropzone.classList.remove("is-over");
});
dropzone.addEventListener("drop", async (event) => {
  event.preventDefault();
  dropzone.classList.remove("is-over");
  addFiles(await filesFromDataTransfer(event.dataTransfer));
});
dropzone.addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    root.querySelector("#file-input").click();
  }
});
// A drop that misses the zone must not navigate away from the page (and lose the queue).
for (const type of ["dragover", "drop"]) window.addEventListener(type, (event) => event.preventDefault());
window.addEventListener("beforeunload", (event) => {
  if (tally(queue.items).pending > 0) event.preventDefault();
});
