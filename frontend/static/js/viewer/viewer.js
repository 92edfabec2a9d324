// The CT slice viewer: one series, slice by slice, on the shared image stage (core/stage.js).
//
// Controls (also listed under the viewer on the page):
//   wheel, Up/Down, PageUp/PageDown   previous / next slice (PageUp/Down move 10)
//   Ctrl+wheel (or trackpad pinch)    zoom around the cursor (Shift+wheel is horizontal scroll in
//                                     some browsers, so Ctrl is the reliable modifier)
//   left drag                         pan; in W/L mode (button or key W) left drag adjusts the window
//   right drag (or Shift+left drag)   window/level: right/left = width, down/up = level
//   1-4                               presets; F or double-click: fit; Home/End: first/last slice
//   O                                 show / hide the measurement's mask overlay (when there is one)
// Slices arrive in the standard radiological view (anterior up, patient right on the left): the stage's
// A/P/R/L markers and scale bar say so. The series, the slice and the overlay live here; the window, the
// view and the drawing live in the stage; the pixel cache is slice-cache.js.

import { fetchPixels } from "../core/api.js";
import { el } from "../core/dom.js";
import { ImageStage } from "../core/stage.js";
import { PRESETS } from "../core/windowing.js";
import { wheelSliceSteps } from "../core/viewport.js";
import { SliceCache, neighbourIndices } from "./slice-cache.js";

export class Viewer {
  constructor(root, { loadPixels = fetchPixels, onSliceChange = () => {} } = {}) {
    this.root = root;
    this.cache = new SliceCache(loadPixels);
    this.onSliceChange = onSliceChange;
    this.images = [];
    this.index = 0;
    this.shown = false; // whether a slice of this series is on screen
    this.wheelRemainder = 0;
    this.loadToken = 0;
    this.direction = 1;
    this.overlay = null; // { imageId, canvas }: a mask coloured at image size, drawn over its slice
    this.overlayVisible = true;
    this.buildDom();
    this.bindEvents();
  }

  buildDom() {
    this.overlayButton = el("button", { type: "button", class: "button button-small", "data-action": "overlay", "aria-pressed": "true", disabled: true, title: "Show the measured mask (key O)" }, "Overlay");
    this.message = el("div", { class: "viewer-message", role: "status" }, "Loading…");
    this.sliceLabel = el("span", { class: "viewer-overlay viewer-overlay-top", "data-slice-info": "" });
    this.view = new ImageStage(this.root, {
      windowMode: true,
      presetKeys: true,
      tools: [this.overlayButton],
      overlays: [this.sliceLabel, this.message],
      onWheel: (event) => this.onWheel(event),
      drawOver: (context) => this.drawOverlay(context),
    });
    this.stage = this.view.element;
    this.slider = el("input", { type: "range", min: "0", max: "0", value: "0", step: "1", class: "viewer-slider", "aria-label": "Slice" });
    this.sliceOutput = el("output", { class: "viewer-slice-index", "data-slice-index": "" }, "–");
    this.root.append(el("div", { class: "viewer-slicebar" }, el("span", { class: "viewer-slicebar-label" }, "Slice"), this.slider, this.sliceOutput));
  }

  bindEvents() {
    this.overlayButton.addEventListener("click", () => this.setOverlayVisible(!this.overlayVisible));
    this.slider.addEventListener("input", () => this.showSlice(Number(this.slider.value)));
    this.stage.addEventListener("dblclick", () => this.view.fit());
    this.root.addEventListener("keydown", (event) => this.onKey(event));
  }

  /** Shows a series: `images` as in the study API (sorted by slice position), starting at `index`. */
  setSeries(images, index = 0) {
    this.images = images;
    this.shown = false;
    this.view.resetView();
    this.slider.max = String(Math.max(0, images.length - 1));
    this.slider.disabled = images.length < 2;
    if (images.length === 0) {
      this.setMessage("This series has no images.");
      return Promise.resolve();
    }
    return this.showSlice(index);
  }

  async showSlice(index) {
    if (this.images.length === 0) return;
    const next = Math.min(this.images.length - 1, Math.max(0, Math.round(index)));
    if (next !== this.index) this.direction = Math.sign(next - this.index);
    this.index = next;
    this.slider.value = String(next);
    this.updateSliceUi();
    const token = ++this.loadToken;
    const image = this.images[next];
    this.onSliceChange(next, image);
    if (!this.shown) this.setMessage("Loading…");
    try {
      const pixels = await this.cache.get(image.id);
      if (token !== this.loadToken) return; // the user has scrolled on
      this.shown = true;
      this.setMessage(null);
      this.view.setImage({ ...pixels, id: image.id });
      this.cache.prefetch(neighbourIndices(next, this.images.length, { direction: this.direction }).map((i) => this.images[i].id));
    } catch (error) {
      if (token === this.loadToken) this.setMessage(`Could not load this slice: ${error.message}`);
    }
  }

  focus() {
    this.stage.focus({ preventScroll: true });
  }

  /** The mask overlay for one image ({ imageId, canvas } at image size), or null for none. */
  setOverlay(overlay) {
    this.overlay = overlay;
    this.overlayButton.disabled = !overlay;
    this.view.presentNow();
  }

  setOverlayVisible(on) {
    this.overlayVisible = on;
    this.overlayButton.setAttribute("aria-pressed", String(on));
    this.view.presentNow();
  }

  drawOverlay(context) {
    const imageId = this.view.image.id;
    const overlaid = this.overlayVisible && this.overlay?.imageId === imageId;
    if (overlaid) context.drawImage(this.overlay.canvas, 0, 0);
    this.view.canvas.dataset.overlay = overlaid ? String(imageId) : "none";
  }

  setMessage(text) {
    this.message.textContent = text ?? "";
    this.message.hidden = !text;
  }

  updateSliceUi() {
    const image = this.images[this.index];
    this.sliceOutput.textContent = `${this.index + 1} / ${this.images.length}`;
    this.root.dataset.sliceIndex = String(this.index);
    this.root.dataset.imageId = image ? String(image.id) : ""; // the slice asked for; the canvas says what is drawn
    const location = image?.slice_location == null ? "" : ` · ${Number(image.slice_location).toFixed(1)} mm`;
    this.sliceLabel.textContent = image ? `Image ${this.index + 1} of ${this.images.length}${location}` : "";
  }

  // ---- input ----

  /** Plain wheel scrolls through the slices; Ctrl/Cmd+wheel is left to the stage, which zooms. */
  onWheel(event) {
    if (event.ctrlKey || event.metaKey) return false;
    const { steps, remainder } = wheelSliceSteps(event.deltaY, event.deltaMode, this.wheelRemainder);
    this.wheelRemainder = remainder;
    if (steps !== 0) this.showSlice(this.index + steps);
    return true;
  }

  onKey(event) {
    if (event.target === this.slider && event.key.startsWith("Arrow")) return; // the slider handles its own
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const view = this.view;
    const actions = {
      ArrowDown: () => this.showSlice(this.index + 1),
      ArrowRight: () => this.showSlice(this.index + 1),
      ArrowUp: () => this.showSlice(this.index - 1),
      ArrowLeft: () => this.showSlice(this.index - 1),
      PageDown: () => this.showSlice(this.index + 10),
      PageUp: () => this.showSlice(this.index - 10),
      Home: () => this.showSlice(0),
      End: () => this.showSlice(this.images.length - 1),
      "+": () => view.zoomBy(1.25),
      "=": () => view.zoomBy(1.25),
      "-": () => view.zoomBy(0.8),
      f: () => view.fit(),
      w: () => view.setWindowMode(!view.windowMode),
      o: () => this.setOverlayVisible(!this.overlayVisible),
    };
    PRESETS.forEach((preset, i) => (actions[String(i + 1)] = () => view.setPreset(preset.key)));
    const action = actions[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action || event.target.matches?.("input:not([type=range]), textarea, select")) return;
    event.preventDefault();
    action();
  }
}
