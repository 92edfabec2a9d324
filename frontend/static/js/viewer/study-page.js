// The study page: the series list (rendered by the server) picks which series the viewer scrolls; the
// results panel shows the measurement of the slice on screen and its mask over the image; a clinician
// enters height, weight and sex; a clinician or labeller marks the L3 slice (button or key L) or accepts the
// detected one. Beside the viewer, the sagittal and coronal reformats show the detected levels; a click on
// them shows the axial slice there.
// The chosen series and slice are kept in the URL hash (#series=12&slice=4) so a view can be shared.

import { getJson, patchJson, putJson } from "../core/api.js";
import { ReformatView } from "./reformat-view.js";
import { nearestSliceIndex } from "./reformat-geometry.js";
import { ResultsPanel } from "./results-panel.js";
import { subjectPatch } from "./results-format.js";
import { Viewer } from "./viewer.js";
import { createWorkPoller, landedImages } from "./work.js";

const study = JSON.parse(document.getElementById("study-data").textContent);
const seriesButtons = [...document.querySelectorAll("[data-series-id]")];
const viewerRoot = document.querySelector("[data-viewer]");
const resultsRoot = document.querySelector("[data-results]");
const levelButton = document.querySelector("[data-mark-level]");
const acceptButton = document.querySelector("[data-accept-level]");
const levelStatus = document.querySelector("[data-level-status]");
const levelDetection = document.querySelector("[data-level-detection]");
const levelWarning = document.querySelector("[data-level-warning]");
const reformatRoot = document.querySelector("[data-reformat]");
const subjectForm = document.querySelector("[data-subject-form]");

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { seriesId: Number(params.get("series")), slice: Number(params.get("slice")) - 1 };
}

function writeHash(seriesId, index) {
  history.replaceState(null, "", `#series=${seriesId}&slice=${index + 1}`);
}

// Without a hash: the series with a marked L3 slice, else the one with the most images (the main axial stack).
function initialSeries() {
  const { seriesId } = readHash();
  const fromHash = study.series.find((series) => series.id === seriesId);
  if (fromHash) return fromHash;
  const marked = study.series.find((series) => series.level_image_id);
  if (marked) return marked;
  return study.series.reduce((best, series) => (series.images.length > (best?.images.length ?? -1) ? series : best), null);
}

let current = null;

// The viewer scrolls images by slice position, usually from the feet up: +1 or -1 steps one slice down the body.
function downTheBody(images) {
  const placed = images.filter((image) => image.slice_location != null);
  return placed.length > 1 && placed[1].slice_location > placed[0].slice_location ? -1 : 1;
}
const results = resultsRoot ? new ResultsPanel(resultsRoot, { studyId: study.id, onGoTo: goToImage }) : null;
const viewer = new Viewer(viewerRoot, { onSliceChange: (index, image) => onSlice(index, image) });
const reformat = reformatRoot
  ? new ReformatView(reformatRoot, {
      onPickZ: (z) => {
        const index = nearestSliceIndex(viewer.images, z);
        if (index >= 0) viewer.showSlice(index);
      },
      onStep: (step) => viewer.showSlice(viewer.index + step * downTheBody(viewer.images)),
    })
  : null;

function currentImageId() {
  return viewer.images[viewer.index]?.id ?? null;
}

function onSlice(index, image) {
  writeHash(current.id, index);
  updateLevelUi();
  reformat?.setCurrentZ(image.slice_location ?? null);
  if (!results?.results) return;
  results.showImage(image.id);
  showOverlay(image.id);
}

async function showOverlay(imageId) {
  try {
    const canvas = await results.overlayFor(imageId);
    if (currentImageId() === imageId) viewer.setOverlay(canvas ? { imageId, canvas } : null);
  } catch (error) {
    if (currentImageId() === imageId) viewer.setOverlay(null);
    console.warn("overlay", error);
  }
}

function selectSeries(series, slice = 0) {
  current = series;
  for (const button of seriesButtons) button.setAttribute("aria-pressed", String(Number(button.dataset.seriesId) === series.id));
  reformat?.setSeries(series);
  viewer.setSeries(series.images, slice);
}

function goToImage(imageId) {
  const series = study.series.find((candidate) => candidate.images.some((image) => image.id === imageId));
  if (!series) return;
  const index = series.images.findIndex((image) => image.id === imageId);
  if (series === current) viewer.showSlice(index);
  else selectSeries(series, index);
  viewer.focus();
}

for (const button of seriesButtons) {
  button.addEventListener("click", () => {
    const series = study.series.find((candidate) => candidate.id === Number(button.dataset.seriesId));
    if (series && series !== current) selectSeries(series);
    viewer.focus();
  });
}

// ---- the L3 mark ----

const SOURCE_WORDS = {
  automatic: "detected automatically",
  confirmed: "confirmed by hand",
  manual: "marked by hand",
  manual_override: "a manual override of the detected level",
};

function updateLevelUi() {
  if (!levelStatus || !current) return;
  const marked = current.level_image_id;
  const index = current.images.findIndex((image) => image.id === marked);
  const source = SOURCE_WORDS[current.level_source] ? ` (${SOURCE_WORDS[current.level_source]})` : "";
  levelStatus.textContent = marked && index >= 0 ? `L3 on image ${index + 1} of ${current.images.length}${source}.` : "No slice of this series is marked L3.";
  levelStatus.dataset.levelImageId = marked ? String(marked) : "";
  levelStatus.dataset.levelSource = current.level_source || "";
  const detection = current.detection;
  if (levelDetection) {
    const confidence = detection?.confidence ? ` Confidence ${Math.round(detection.confidence * 100)}%.` : "";
    levelDetection.textContent = detection ? `${detection.message}${detection.message.endsWith(".") ? "" : "."}${confidence}` : current.images.length > 1 ? "Levels not detected yet." : "";
    levelDetection.dataset.state = detection && detection.l3_image_id == null && detection.levels.length ? "missing" : "";
  }
  if (levelWarning) {
    levelWarning.textContent = current.level_warning ?? "";
    levelWarning.hidden = !current.level_warning;
  }
  if (acceptButton) {
    const detected = detection?.l3_image_id ?? null;
    acceptButton.hidden = !detected || (marked === detected && current.level_source === "confirmed");
  }
  if (levelButton) {
    const here = marked && marked === currentImageId();
    levelButton.textContent = here ? "Clear the L3 mark" : "Mark this slice as L3";
    levelButton.setAttribute("aria-pressed", String(Boolean(here)));
  }
}

async function markLevel(imageId) {
  try {
    const series = await putJson(`/api/series/${current.id}/level`, { image_id: imageId });
    Object.assign(current, {
      level_image_id: series.level_image_id,
      level_z_mm: series.level_z_mm,
      level_source: series.level_source,
      level_warning: series.level_warning,
      detection: series.detection,
    });
    updateLevelUi();
    reformat?.refresh();
    await refreshResults();
  } catch (error) {
    levelStatus.textContent = `Could not mark the slice: ${error.message}`;
  }
}

function toggleLevel() {
  const imageId = currentImageId();
  if (!current || imageId === null) return;
  markLevel(current.level_image_id === imageId ? null : imageId);
}

acceptButton?.addEventListener("click", () => {
  const detected = current?.detection?.l3_image_id;
  if (!detected) return;
  goToImage(detected);
  markLevel(detected);
});
levelButton?.addEventListener("click", toggleLevel);
viewerRoot.addEventListener("keydown", (event) => {
  if (!levelButton || event.key.toLowerCase() !== "l" || event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.target.matches?.("input:not([type=range]), textarea, select")) return;
  event.preventDefault();
  toggleLevel();
});

// ---- height, weight, sex ----

subjectForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = subjectForm.querySelector("[data-subject-status]");
  const form = new FormData(subjectForm);
  const body = subjectPatch({ sex: form.get("sex"), heightCm: form.get("height_cm"), weightKg: form.get("weight_kg") });
  if (Object.keys(body).length === 0) {
    status.textContent = "Enter a height, a weight or the sex first.";
    return;
  }
  status.textContent = "Saving…";
  try {
    const saved = await patchJson(`/api/studies/${study.id}/subject`, body);
    document.querySelector("[data-fact-sex]").textContent = saved.sex || "unknown";
    await refreshResults();
    status.textContent = results?.firstMeasured() ? "Saved; the measurements are updated." : "Saved. No slice is measured yet, so there is nothing to update.";
    subjectForm.dataset.saved = String(Date.now());
  } catch (error) {
    status.textContent = error.message;
  }
});

// The browser refuses an out-of-range field before any submit event: say so, and never leave an earlier "Saved" up.
subjectForm?.addEventListener(
  "invalid",
  (event) => {
    const label = event.target.closest("label")?.firstChild?.textContent.trim() ?? event.target.name;
    subjectForm.querySelector("[data-subject-status]").textContent = `Not saved: ${label}: ${event.target.validationMessage}`;
  },
  true,
);
subjectForm?.addEventListener("input", () => {
  subjectForm.querySelector("[data-subject-status]").textContent = "";
});

// ---- start ----

async function refreshResults() {
  if (!results) return;
  await results.refresh();
  const imageId = currentImageId();
  if (imageId !== null) {
    results.showImage(imageId);
    showOverlay(imageId);
  }
}

const first = initialSeries();
const { seriesId: hashSeries, slice: hashSlice } = readHash();
if (first) {
  const marked = first.images.findIndex((image) => image.id === first.level_image_id);
  const fallback = marked >= 0 ? marked : Math.floor((first.images.length - 1) / 2);
  selectSeries(first, first.id === hashSeries && hashSlice >= 0 ? hashSlice : fallback);
  // Keys (arrows, 1-4, L...) work from the start, not only after a click on the image.
  if (document.activeElement === document.body) viewer.focus();
} else {
  viewer.setSeries([]);
}
// Opened without a shared view or a mark: start on the first measured slice, if the one shown is not.
function goToFirstMeasured() {
  const firstMeasured = results?.firstMeasured();
  if (!hashSeries && firstMeasured && !results.sliceFor(currentImageId())?.measurement) goToImage(firstMeasured.image_id);
}

// ---- pending work: the page follows the study's jobs and fills in each measurement as it lands ----

const loadWork = () => getJson(`/api/studies/${study.id}/work`);
const workPoller = createWorkPoller({
  load: loadWork,
  isHidden: () => document.hidden,
  onUpdate: async (work, previous) => {
    results?.setWork(work);
    if (landedImages(previous, work).length) {
      await refreshResults().catch(() => {});
      goToFirstMeasured();
    }
  },
  onError: (error) => console.warn("study work", error),
});
document.addEventListener("visibilitychange", () => workPoller.visibilityChanged());

async function start() {
  // The work first: a measurement that lands between the two answers is then fetched on the next ask.
  const work = results ? await loadWork().catch(() => null) : null;
  results?.setWork(work);
  await refreshResults().catch(() => {});
  goToFirstMeasured();
  if (work) workPoller.start(work);
}

start();
