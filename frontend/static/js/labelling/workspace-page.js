// The labelling workspace page: loads the slice's HU and its mask (annotation, else the pre-label,
// else empty), wires the pure editor (editor.js) to the stage, the side panel and the keyboard, and
// saves drafts under optimistic locking (page/saver.js). Template: annotations/workspace.html.
//
// window.__workspace is a debug handle for tests and benchmarks: { editor, mask, hu, saver, stage, ... }.

import { el, readJson, setStatus } from "../core/dom.js";
import { ImageStage } from "../core/stage.js";
import { createActivityClock } from "./activity.js";
import { encodePNG } from "./codec.js";
import { coverageHeader, initialCoverage, paintedOutsideCoverage, uncoveredWarning } from "./coverage.js";
import { ChangeRecorder } from "./delta.js";
import { createEditor } from "./editor.js";
import { resolveKey } from "./keymap.js";
import { compositeOverlay } from "./render.js";
import { Controls } from "./page/controls.js";
import { buildHelp } from "./page/help.js";
import { fetchAnnotation, fetchMask, fetchPixelsAt, postWithEtag, putMask } from "./page/masks-api.js";
import { CONFLICT_MESSAGE, createSaver, describeSaveState } from "./page/saver.js";
import { LABELLING_STAGE } from "./page/stage-options.js";

const EDIT_ACTIONS = new Set(["history.undo", "history.redo", "mask.removeIslands", "mask.fillHoles", "polygon.close"]);
const STROKE_TOOLS = new Set(["brush", "eraser", "huBrush"]);
const LOCKED_STATUSES = new Set(["submitted", "accepted"]);
const AUTOSAVE_CHECK_MS = 1000;

const workspace = readJson("workspace-data");
const page = document.querySelector("[data-workspace]");
const $ = (selector) => page.querySelector(selector);

let editor;
let stage;
let saver;
let controls;
let mask;
let hoverPoint = null;
let annotation = workspace.annotation ?? {};
// A reviewer correcting a submitted mask before deciding: saves are the reviewer's revisions, the mask stays
// submitted, and the way on is back to the review page (views.workspace_page decides who may).
const correcting = Boolean(workspace.review_correction);
let hasRevision = Boolean(annotation.current_revision);
// The labels this mask covers (coverage.js): sent with every save; an unticked label must not be painted.
let covered = initialCoverage(workspace.label_set.labels, annotation.current_revision);
const activity = createActivityClock();

async function start() {
  const { image, label_set: labelSet, urls } = workspace;
  const expected = { width: image.columns, height: image.rows, labels: labelSet.labels };
  const [pixels, loaded] = await Promise.all([fetchPixelsAt(urls.pixels), fetchMask(urls.mask, expected)]);
  mask = loaded.mask;
  editor = createEditor({ mask, hu: pixels.hu });
  saver = createSaver({
    etag: loaded.etag ?? annotation.etag,
    transport: { put: (bytes, options) => putMask(urls.save ?? urls.mask, bytes, { ...options, labelsCovered: coverageHeader(labelSet.labels, covered) }).then(saved), currentEtag: async () => (await fetchAnnotation(urls.annotation)).etag },
    encode: () => encodePNG(mask),
    activity,
  });
  showProvenance(loaded);
  stage = new ImageStage($("[data-stage]"), {
    ...LABELLING_STAGE,
    compose: (base, out, rect) => compositeOverlay(base, mask, { ...overlayOptions(), rect, out }),
    onPrimary: { down: pointerDown, move: pointerMove, up: pointerUp },
    onHover: (point) => (hoverPoint = point),
    drawDecorations,
  });
  stage.setImage({ ...pixels, spacing: pixels.spacing ?? image.pixel_spacing_mm });
  controls = new Controls($("[data-controls]"), { editor, labels: labelSet.labels, onAction: runAction, onChange: afterSettings });
  buildCoverage($("[data-coverage]"), labelSet.labels);
  buildHelp($("[data-help]"), { onClose: () => runAction("help.toggle") });
  bindPage();
  if (correcting) startCorrection();
  else if (LOCKED_STATUSES.has(annotation.status)) lockEditing();
  publishDebugHandle(pixels);
  refreshSaveStatus();
  page.dataset.ready = "true";
}

function overlayOptions() {
  const { opacity, outline } = editor.state;
  return { opacity, outline, labels: workspace.label_set.labels };
}

// ---- pointer input ----

function pointerDown(point, event) {
  if (saver.state === "locked") return;
  if (editor.state.tool.startsWith("polygon") && event.detail >= 2 && editor.state.polygon.length >= 3) {
    runAction("polygon.close");
    return;
  }
  touch();
  changed(editor.pointerDown(point));
  stage.redrawDecorations();
}

function pointerMove(point) {
  if (!editor.stroke) return;
  touch();
  changed(editor.pointerMove(point));
}

function pointerUp() {
  editor.pointerUp();
  controls.sync();
}

// An edit landed in `rect`: redraw just that and mark the mask dirty.
function changed(rect) {
  if (!rect) return;
  stage.refresh(rect);
  saver.edited();
  // With a label unticked, keep the warning in step with the pixels (a full scan: well under a millisecond).
  if (covered.size < workspace.label_set.labels.length) coverageAllowsSaving();
  refreshSaveStatus();
}

function touch() {
  activity.touch(performance.now());
}

function drawDecorations(context) {
  const { tool, brushSize, polygon } = editor.state;
  const viewport = stage.viewport;
  context.lineWidth = 1.5;
  if (STROKE_TOOLS.has(tool) && hoverPoint) {
    const centre = stage.fromImage(hoverPoint);
    context.strokeStyle = tool === "eraser" ? "#ffffff" : "#ffd60a";
    context.beginPath();
    context.ellipse(centre.x, centre.y, (brushSize / 2) * viewport.scale, (brushSize / 2) * viewport.scale * viewport.aspect, 0, 0, 2 * Math.PI);
    context.stroke();
  }
  if (polygon.length) {
    const points = [...polygon, ...(hoverPoint ? [hoverPoint] : [])].map((point) => stage.fromImage(point));
    context.strokeStyle = tool === "polygonErase" ? "#ffffff" : "#ffd60a";
    context.setLineDash([5, 4]);
    context.beginPath();
    points.forEach((point, i) => (i ? context.lineTo(point.x, point.y) : context.moveTo(point.x, point.y)));
    context.stroke();
    context.setLineDash([]);
  }
}

// ---- actions (keys and buttons) ----

function runAction(action, arg = null) {
  if (action === "mask.save") return void save();
  if (action === "view.reset") return stage.fit();
  if (action === "view.window") return stage.setPreset(arg);
  if (action === "overlay.redraw") return stage.refresh(null);
  if (saver.state === "locked" && (EDIT_ACTIONS.has(action) || action.startsWith("tool."))) return;
  if (action.startsWith("history.")) editor.pointerUp(); // finish a stroke before stepping history
  if (action === "polygon.close" && editor.state.polygon.length < 3) return;
  const { rect, redrawAll } = editor.dispatch({ action, arg });
  if (EDIT_ACTIONS.has(action)) {
    touch();
    changed(rect);
  } else if (redrawAll) stage.refresh(null);
  if (action === "help.toggle") $("[data-help]").hidden = !editor.state.helpVisible;
  afterSettings();
}

function afterSettings() {
  controls.sync();
  stage.redrawDecorations();
}

function onKey(event) {
  const target = event.target;
  const targetIsEditable = Boolean(target.matches?.("textarea, select, input:not([type=range]):not([type=checkbox]):not([type=radio])"));
  const resolved = resolveKey({
    key: event.key,
    ctrlKey: event.ctrlKey,
    metaKey: event.metaKey,
    shiftKey: event.shiftKey,
    altKey: event.altKey,
    targetIsEditable: targetIsEditable && !(event.ctrlKey && event.key.toLowerCase() === "s"),
  });
  if (!resolved) return;
  event.preventDefault();
  runAction(resolved.action, resolved.arg);
}

// ---- saving ----

async function save({ auto = false } = {}) {
  if (!coverageAllowsSaving()) {
    if (!auto) showNotice(`Not saved: ${$("[data-coverage-warning]").textContent}`, "bad", "coverage");
    refreshSaveStatus();
    return "uncovered";
  }
  if (!saver.dirty && !auto && hasRevision) {
    refreshSaveStatus();
    return "clean";
  }
  if (!saver.dirty && !hasRevision) saver.edited(); // a first save stores the pre-label as is
  const promise = saver.save({ auto });
  refreshSaveStatus();
  const outcome = await promise;
  if (outcome === "saved") hasRevision = true;
  refreshSaveStatus();
  return outcome;
}

// The PUT answers the annotation as it now is: show its status (a first save makes a draft).
function saved(answer) {
  if (answer.annotation?.status) {
    annotation = answer.annotation;
    setBadge(annotation.status);
    showProvenance({ source: "annotation" }); // "Revision 2 by rita": whose mask this now is
  }
  return answer;
}

function refreshSaveStatus() {
  setStatus($("[data-save-status]"), describeSaveState(saver));
  page.dataset.saveState = saver.state;
  page.dataset.dirty = String(saver.dirty);
  $("[data-conflict]").hidden = saver.state !== "conflict";
  $('[data-page-action="save"]').disabled = saver.state === "locked" || saver.state === "saving";
  $('[data-page-action="submit"]').disabled = saver.state === "locked" || saver.state === "conflict";
}

// Their revision replaces ours as one undoable edit: Ctrl+Z brings our pixels back.
async function loadTheirs() {
  const { image, label_set: labelSet, urls } = workspace;
  const theirs = await fetchMask(urls.mask, { width: image.columns, height: image.rows, labels: labelSet.labels });
  editor.pointerUp();
  const recorder = new ChangeRecorder(mask);
  for (let i = 0; i < mask.data.length; i++) recorder.write(i, theirs.mask.data[i]);
  const change = recorder.finish();
  editor.history.push(change);
  if (change.rect) stage.refresh(change.rect);
  saver.markSaved(theirs.etag);
  showNotice("Loaded the other revision. Your version is one undo away (Ctrl+Z); save it as a new revision if it should win.");
  afterSettings();
  refreshSaveStatus();
}

async function overwrite() {
  const outcome = await saver.overwrite();
  if (outcome === "saved") showNotice("Saved your version as a new revision over the other one.");
  refreshSaveStatus();
}

async function submit() {
  const saved = await save();
  if (saved !== "clean" && saved !== "saved") return;
  try {
    const answer = await postWithEtag(workspace.urls.submit, saver.etag);
    saver.markSaved(answer.etag ?? saver.etag);
    annotation = answer.annotation ?? { ...annotation, status: "submitted" };
    lockEditing();
    showNotice("Submitted for review. Open the next image when ready.");
    $('[data-page-action="next"]').focus();
  } catch (error) {
    if (error.status === 412) saver.setState("conflict", error);
    showNotice(`Could not submit: ${error.message}`, "bad");
  }
  refreshSaveStatus();
}

async function nextImage() {
  if (saver.dirty && saver.state !== "locked") {
    const outcome = await save();
    if (outcome !== "saved") return showNotice("Save this mask before moving on (or resolve the conflict).", "bad");
  }
  window.location.assign(workspace.urls.next);
}

function startCorrection() {
  $('[data-page-action="submit"]').hidden = true;
  $('[data-page-action="next"]').textContent = "Back to the review →";
  showNotice(`Correcting ${annotation.labeller ?? "the labeller"}'s submitted mask as its reviewer: each save is your own revision; accept or reject it on the review page.`, "info", "review-correction");
}

function lockEditing() {
  saver.lock();
  controls.setEditable(false);
  setBadge(annotation.status ?? "submitted");
  refreshSaveStatus();
}

// ---- which labels the mask covers ----

function buildCoverage(container, labels) {
  const boxes = labels.map((label) => {
    const input = el("input", { type: "checkbox", value: label.name, "data-covers": label.name });
    input.checked = covered.has(label.name);
    input.addEventListener("change", () => coverageChanged(input));
    return el("label", { class: "ls-check" }, input, el("span", { class: "ls-swatch", style: `background:${label.color}` }), el("span", { class: "ls-label-name" }, label.name));
  });
  container.replaceChildren(...boxes);
}

function coverageChanged(input) {
  if (input.checked) covered.add(input.value);
  else if (covered.size > 1) covered.delete(input.value);
  else input.checked = true; // a mask covers at least one label
  saver.edited(); // the revision records the coverage: a change is worth saving
  coverageAllowsSaving();
  refreshSaveStatus();
}

// Shows (or clears) the warning; false while the mask paints a label it says it does not cover.
function coverageAllowsSaving() {
  const text = uncoveredWarning(paintedOutsideCoverage(mask, covered));
  $("[data-coverage-warning]").textContent = text;
  $("[data-coverage-problem]").hidden = !text;
  const notice = $("[data-notice]");
  if (!text && notice.dataset.kind === "coverage") notice.hidden = true; // fixed: the refusal no longer holds
  page.dataset.coverage = [...covered].join(",");
  return !text;
}

// A pre-label paints every label; a site that draws muscle only clears the rest in one undoable step.
function eraseUncovered() {
  const values = new Set(paintedOutsideCoverage(mask, covered).map((label) => label.value));
  if (!values.size || saver.state === "locked") return;
  editor.pointerUp();
  const recorder = new ChangeRecorder(mask);
  for (let i = 0; i < mask.data.length; i++) if (values.has(mask.data[i])) recorder.write(i, 0);
  const change = recorder.finish();
  editor.history.push(change);
  touch();
  changed(change.rect);
  afterSettings();
}

// ---- page furniture ----

function showProvenance(loaded) {
  const node = $("[data-provenance]");
  const revision = annotation.current_revision;
  if (loaded.source === "prelabel") {
    node.textContent = `Pre-labelled by model ${loaded.modelVersion ?? annotation.prelabel?.model_version_name ?? "(unknown version)"}: correct it.`;
  } else if (loaded.source === "empty") {
    node.textContent = "No pre-label for this image: drawing from scratch.";
  } else if (revision) {
    const model = revision.prelabel_model_version_name ? `, pre-label by model ${revision.prelabel_model_version_name}` : "";
    node.textContent = `Revision ${revision.number} by ${revision.author} (${revision.source}${model}).`;
  }
  node.dataset.source = loaded.source;
}

function setBadge(status) {
  const badge = $("[data-status-badge]");
  const unlabelled = !status || status === "none"; // the API's status of an image without a mask
  badge.textContent = unlabelled ? "unlabelled" : status;
  badge.className = `badge badge-${unlabelled ? "none" : status}`;
}

function showNotice(text, tone = "info", kind = "") {
  setStatus($("[data-notice]"), { text, tone });
  $("[data-notice]").dataset.kind = kind;
  $("[data-notice]").hidden = false;
}

function bindPage() {
  document.addEventListener("keydown", onKey);
  $('[data-page-action="save"]').addEventListener("click", () => save());
  $('[data-page-action="submit"]').addEventListener("click", submit);
  $('[data-page-action="next"]').addEventListener("click", nextImage);
  $('[data-conflict-action="theirs"]').addEventListener("click", loadTheirs);
  $('[data-conflict-action="overwrite"]').addEventListener("click", overwrite);
  $('[data-coverage-action="erase"]').addEventListener("click", eraseUncovered);
  $("[data-conflict-message]").textContent = CONFLICT_MESSAGE;
  setInterval(() => {
    if (!editor.stroke && saver.autosaveDue()) save({ auto: true });
  }, AUTOSAVE_CHECK_MS);
  window.addEventListener("beforeunload", (event) => {
    if (saver.dirty && saver.state !== "locked") event.preventDefault();
  });
}

function publishDebugHandle(pixels) {
  window.__workspace = { editor, mask, hu: pixels.hu, saver, stage, activity, save, runAction };
}

start().catch((error) => {
  setStatus($("[data-save-status]"), { text: `Could not open this image: ${error.message}`, tone: "bad" });
  page.dataset.ready = "error";
  console.error(error);
});
