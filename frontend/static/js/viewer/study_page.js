// The study page: the series list (rendered by the server) picks which series the viewer scrolls.
// The chosen series and slice are kept in the URL hash (#series=12&slice=4) so a view can be shared.

import { Viewer } from "./viewer.js";

const study = JSON.parse(document.getElementById("study-data").textContent);
const seriesButtons = [...document.querySelectorAll("[data-series-id]")];
const viewerRoot = document.querySelector("[data-viewer]");

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { seriesId: Number(params.get("series")), slice: Number(params.get("slice")) - 1 };
}

function writeHash(seriesId, index) {
  history.replaceState(null, "", `#series=${seriesId}&slice=${index + 1}`);
}

// Without a hash, open the series with the most images (the main axial stack, usually).
function initialSeries() {
  const { seriesId } = readHash();
  const fromHash = study.series.find((series) => series.id === seriesId);
  if (fromHash) return fromHash;
  return study.series.reduce((best, series) => (series.images.length > (best?.images.length ?? -1) ? series : best), null);
}

let current = null;
const viewer = new Viewer(viewerRoot, { onSliceChange: (index) => writeHash(current.id, index) });

function selectSeries(series, slice = 0) {
  current = series;
  for (const button of seriesButtons) button.setAttribute("aria-pressed", String(Number(button.dataset.seriesId) === series.id));
  viewer.setSeries(series.images, slice);
}

for (const button of seriesButtons) {
  button.addEventListener("click", () => {
    const series = study.series.find((candidate) => candidate.id === Number(button.dataset.seriesId));
    if (series && series !== current) selectSeries(series);
    viewer.stage.focus({ preventScroll: true });
  });
}

const first = initialSeries();
if (first) {
  const { seriesId, slice } = readHash();
  selectSeries(first, first.id === seriesId && slice >= 0 ? slice : Math.floor((first.images.length - 1) / 2));
} else {
  viewer.setSeries([]);
}
