// The results beside the viewer: the measurement of the slice on screen (numbers, flags with their
// reference, where it came from), the list of measured slices (the L3-marked first), and the mask
// overlay for the viewer. Data from GET /api/studies/{id}/results; wording in results-format.js.

import { ApiError, getJson } from "../core/api.js";
import { el } from "../core/dom.js";
import { overlayPixels } from "./overlay.js";
import { flagText, formatValue, l3WindowText, sliceLabel, trustWarning } from "./results-format.js";
import { PENDING, studyWorkText, workText } from "./work.js";

/** Fetches a measurement's label map and colours it: a canvas at image size, ready to draw over the slice. */
export async function loadOverlayCanvas(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new ApiError(`Could not load the mask (HTTP ${response.status})`, { status: response.status });
  // No colour management: the grey levels are labels (0, 1, 2), not colours.
  const bitmap = await createImageBitmap(await response.blob(), { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  const decoded = context.getImageData(0, 0, bitmap.width, bitmap.height);
  const { pixels, counts } = overlayPixels(decoded.data);
  context.putImageData(new ImageData(pixels, bitmap.width, bitmap.height), 0, 0);
  canvas.dataset.counts = JSON.stringify(counts);
  return canvas;
}

const MAX_LISTED = 60;

export class ResultsPanel {
  constructor(root, { studyId, onGoTo = () => {} }) {
    this.root = root;
    this.studyId = studyId;
    this.onGoTo = onGoTo;
    this.current = root.querySelector("[data-current-result]");
    this.list = root.querySelector("[data-measured-list]");
    this.report = root.querySelector("[data-report]");
    this.workStatus = root.querySelector("[data-work-status]");
    this.results = null;
    this.work = new Map(); // image id -> its row of GET /api/studies/{id}/work
    this.overlays = new Map(); // mask url -> Promise<canvas>
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-goto-image]");
      if (button) this.onGoTo(Number(button.dataset.gotoImage));
    });
  }

  async refresh() {
    try {
      this.results = await getJson(`/api/studies/${this.studyId}/results`);
    } catch (error) {
      this.current.replaceChildren(el("p", { class: "error" }, `Could not load the results: ${error.message}`));
      throw error;
    }
    this.root.dataset.loaded = "true";
    this.renderList();
    return this.results;
  }

  /** Takes an answer of the work API: the status line, and what unmeasured slices say, follow it. */
  setWork(work) {
    this.work = new Map((work?.images ?? []).map((row) => [row.image_id, row]));
    const text = studyWorkText(work);
    if (this.workStatus) {
      this.workStatus.hidden = !text;
      this.workStatus.textContent = text ?? "";
      this.workStatus.dataset.pending = String(Boolean(text));
    }
    if (this.results) this.renderList();
    const shown = Number(this.current.dataset.imageId);
    if (this.results && shown) this.showImage(shown);
  }

  pendingWork() {
    return [...this.work.values()].filter((row) => PENDING.has(row.state));
  }

  sliceFor(imageId) {
    return this.results?.slices.find((slice) => slice.image_id === imageId) ?? null;
  }

  label(slice) {
    return sliceLabel(slice, { withDevice: (this.results?.devices?.length ?? 0) > 1 });
  }

  firstMeasured() {
    return this.results?.slices.find((slice) => slice.measurement) ?? null;
  }

  /** The overlay canvas for this image's shown measurement, or null when it has none. */
  overlayFor(imageId) {
    const url = this.sliceFor(imageId)?.measurement?.mask_url;
    if (!url) return Promise.resolve(null);
    if (!this.overlays.has(url)) {
      const loading = loadOverlayCanvas(url);
      loading.catch(() => this.overlays.delete(url)); // a failed load is tried again next time
      this.overlays.set(url, loading);
    }
    return this.overlays.get(url);
  }

  renderList() {
    const measured = this.results.slices.filter((slice) => slice.measurement);
    this.report.hidden = measured.length === 0;
    const items = this.results.slices.slice(0, MAX_LISTED).map((slice) => {
      const status = slice.measurement?.trust?.status;
      const caveat = status && status !== "verified" ? ` (${status})` : "";
      const sma = slice.measurement ? `SMA ${formatValue(slice.measurement.sma_cm2, "cm²")}${caveat}` : workText(this.work.get(slice.image_id)) || "not measured";
      return el(
        "li",
        {},
        el("button", { type: "button", class: "measured-slice", "data-goto-image": String(slice.image_id) }, el("span", {}, this.label(slice)), el("span", { class: "muted" }, sma)),
      );
    });
    if (this.results.slices.length > MAX_LISTED) items.push(el("li", { class: "muted" }, `… and ${this.results.slices.length - MAX_LISTED} more`));
    if (items.length === 0) items.push(el("li", { class: "muted", "data-empty-list": "" }, this.emptyListText()));
    this.list.replaceChildren(...items);
  }

  emptyListText() {
    const pending = this.pendingWork();
    if (pending.length) return "None yet.";
    if ([...this.work.values()].some((row) => row.state === "failed")) return "No slice measured: the measurement failed. Ask an ML lead to look at the job.";
    return "No slice measured yet: no model has run on this study and no mask was accepted.";
  }

  /** Shows the measurement of the slice on screen and marks it in the list. */
  showImage(imageId) {
    if (!this.results) return;
    for (const button of this.list.querySelectorAll("[data-goto-image]")) {
      button.setAttribute("aria-current", String(Number(button.dataset.gotoImage) === imageId));
    }
    const slice = this.sliceFor(imageId);
    this.current.dataset.imageId = String(imageId);
    if (!slice?.measurement) {
      const row = this.work.get(imageId);
      const hint = this.firstMeasured() ? "Pick a measured slice below." : "";
      let text = `This slice is not measured. ${hint}`;
      if (PENDING.has(row?.state)) text = "This slice waits for its measurement: it appears here by itself, no need to reload.";
      else if (row?.state === "failed" || row?.state === "cancelled") text = `${workText(row)} for this slice. ${hint}`;
      this.current.replaceChildren(el("p", { class: "muted", "data-not-measured": "", "data-work-state": this.work.get(imageId)?.state ?? "none" }, text));
      return;
    }
    this.current.replaceChildren(this.card(slice));
  }

  /** The L3 slice's card says when the study's L3 measurement is a mean over it and its neighbours. */
  l3Window(slice) {
    const text = l3WindowText(slice.l3_measurement);
    return text ? [el("p", { class: "l3-window", "data-l3-window": String(slice.l3_measurement.slices.length) }, text)] : [];
  }

  card(slice) {
    const m = slice.measurement;
    const row = (name, key, text) => el("div", {}, el("dt", {}, name), el("dd", { "data-value": key }, text));
    const numbers = [
      row("SMA", "sma", formatValue(m.sma_cm2, "cm²")),
      row("Muscle HU", "muscle-hu", formatValue(m.mean_muscle_hu, "HU")),
      row("IMAT", "imat", formatValue(m.imat_cm2, "cm²")),
      row("SMI", "smi", formatValue(m.smi_cm2_m2, "cm²/m²", { fallback: "needs height" })),
    ];
    if (m.liver_area_cm2) numbers.push(row("Liver", "liver", `${formatValue(m.liver_area_cm2, "cm²")}, ${formatValue(m.mean_liver_hu, "HU", { digits: 0 })}`));
    const flags = ["sarcopenia", "myosteatosis"].map((name) => {
      const { state, text } = flagText(m.flags[name]);
      return el("li", { class: `flag flag-${state}`, "data-flag": name, "data-state": state }, el("strong", {}, name === "sarcopenia" ? "Sarcopenia" : "Myosteatosis"), ` ${text}`);
    });
    const badge = m.source === "annotation" ? "Accepted annotation" : "Model prediction";
    const warning = trustWarning(m.trust);
    const caution = warning
      ? [el("div", { class: `trust-warning trust-${warning.state}`, role: "alert", "data-trust": warning.state }, el("strong", {}, warning.title), el("ul", {}, ...warning.lines.map((line) => el("li", {}, line))))]
      : [];
    return el(
      "article",
      { class: "result-card", "data-measurement-id": String(m.id), "data-source": m.source, "data-trust-status": m.trust?.status ?? "" },
      el("header", {}, el("strong", {}, this.label(slice)), el("span", { class: `badge badge-${m.source}` }, badge)),
      ...caution,
      el("dl", { class: `result-numbers${warning ? " numbers-unvouched" : ""}` }, ...numbers),
      ...this.l3Window(slice),
      el("ul", { class: "flags" }, ...flags),
      el("p", { class: "result-source", "data-provenance": "" }, "Source: ", m.provenance),
    );
  }
}
