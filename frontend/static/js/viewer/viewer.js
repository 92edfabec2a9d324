// The CT slice viewer: a canvas showing one series, slice by slice, in a chosen window.
//
// Controls (also listed under the viewer on the page):
//   wheel, Up/Down, PageUp/PageDown   previous / next slice (PageUp/Down move 10)
//   Ctrl+wheel (or trackpad pinch)    zoom around the cursor (Shift+wheel is horizontal scroll in
//                                     some browsers, so Ctrl is the reliable modifier)
//   left drag                         pan; in W/L mode (button or key W) left drag adjusts the window
//   right drag (or Shift+left drag)   window/level: right/left = width, down/up = level
//   1-4                               presets; F or double-click: fit; Home/End: first/last slice
//   O                                 show / hide the measurement's mask overlay (when there is one)
// Slices arrive in the standard radiological view (anterior up, patient right on the left): A/P/R/L
// markers and a scale bar say so (orientation_overlay.js). State (series, slice, window, viewport) lives here; drawing reads it; the maths is in
// windowing.js and viewport.js, the pixel cache in slice_cache.js.

import { fetchPixels } from "../api.js";
import { PRESETS, applyWindow, describeWindow, dragToWindow, matchPreset, presetByKey } from "./windowing.js";
import { aspectFromSpacing, clampViewport, fitViewport, pan, pixelAt, wheelSliceSteps, wheelZoomFactor, zoomAt } from "./viewport.js";
import { SliceCache, neighbourIndices } from "./slice_cache.js";
import { OrientationOverlay } from "./orientation_overlay.js";

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

export class Viewer {
  constructor(root, { loadPixels = fetchPixels, onSliceChange = () => {} } = {}) {
    this.root = root;
    this.cache = new SliceCache(loadPixels);
    this.onSliceChange = onSliceChange;
    this.images = [];
    this.index = 0;
    this.pixels = null; // { hu, rows, columns, spacing, imageId } on screen now
    this.window = { width: PRESETS[0].width, level: PRESETS[0].level };
    this.viewport = null;
    this.userMovedView = false;
    this.windowMode = false;
    this.drag = null;
    this.pointer = null;
    this.wheelRemainder = 0;
    this.loadToken = 0;
    this.direction = 1;
    this.overlay = null; // { imageId, canvas }: a mask coloured at image size, drawn over its slice
    this.overlayVisible = true;
    this.buildDom();
    this.bindEvents();
    this.updateWindowUi();
  }

  buildDom() {
    const presetButtons = PRESETS.map((preset, i) =>
      el("button", { type: "button", class: "button button-small", "data-preset": preset.key, title: `${preset.label}: W ${preset.width} / L ${preset.level} (key ${i + 1})` }, preset.label),
    );
    this.modeButton = el("button", { type: "button", class: "button button-small", "data-action": "window-mode", "aria-pressed": "false", title: "Left drag adjusts window/level (key W)" }, "W/L drag");
    this.fitButton = el("button", { type: "button", class: "button button-small", "data-action": "fit", title: "Fit the image (key F)" }, "Fit");
    this.overlayButton = el("button", { type: "button", class: "button button-small", "data-action": "overlay", "aria-pressed": "true", disabled: "", title: "Show the measured mask (key O)" }, "Overlay");
    this.windowLabel = el("span", { class: "viewer-window", "data-window": "" });
    this.canvas = el("canvas", { class: "viewer-canvas", "aria-label": "CT slice" });
    this.message = el("div", { class: "viewer-message", role: "status" }, "Loading…");
    this.sliceLabel = el("span", { class: "viewer-overlay viewer-overlay-top", "data-slice-info": "" });
    this.huLabel = el("span", { class: "viewer-overlay viewer-overlay-bottom", "data-hu": "" }, "");
    this.slider = el("input", { type: "range", min: "0", max: "0", value: "0", step: "1", class: "viewer-slider", "aria-label": "Slice" });
    this.sliceOutput = el("output", { class: "viewer-slice-index", "data-slice-index": "" }, "–");
    this.presetGroup = el("div", { class: "button-group", role: "group", "aria-label": "Window presets" }, ...presetButtons);
    this.stage = el("div", { class: "viewer-stage", tabindex: "0" }, this.canvas, this.sliceLabel, this.huLabel, this.message);
    this.root.replaceChildren(
      el("div", { class: "viewer-toolbar" }, this.presetGroup, this.modeButton, this.fitButton, this.overlayButton, this.windowLabel),
      this.stage,
      el("div", { class: "viewer-slicebar" }, el("span", { class: "viewer-slicebar-label" }, "Slice"), this.slider, this.sliceOutput),
    );
    this.orientation = new OrientationOverlay(this.stage); // A/P/R/L and a scale bar: slices come upright
    this.root.classList.add("viewer");
    this.offscreen = document.createElement("canvas");
  }

  bindEvents() {
    this.presetGroup.addEventListener("click", (event) => {
      const key = event.target.closest("[data-preset]")?.dataset.preset;
      if (key) this.setPreset(key);
    });
    this.modeButton.addEventListener("click", () => this.setWindowMode(!this.windowMode));
    this.fitButton.addEventListener("click", () => this.fit());
    this.overlayButton.addEventListener("click", () => this.setOverlayVisible(!this.overlayVisible));
    this.slider.addEventListener("input", () => this.showSlice(Number(this.slider.value)));
    this.stage.addEventListener("wheel", (event) => this.onWheel(event), { passive: false });
    this.stage.addEventListener("pointerdown", (event) => this.onPointerDown(event));
    this.stage.addEventListener("pointermove", (event) => this.onPointerMove(event));
    this.stage.addEventListener("pointerup", (event) => this.onPointerUp(event));
    this.stage.addEventListener("pointercancel", (event) => this.onPointerUp(event));
    this.stage.addEventListener("pointerleave", () => this.showHu(null));
    this.stage.addEventListener("contextmenu", (event) => event.preventDefault());
    this.stage.addEventListener("dblclick", () => this.fit());
    this.root.addEventListener("keydown", (event) => this.onKey(event));
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.stage);
  }

  /** Shows a series: `images` as in the study API (sorted by slice position), starting at `index`. */
  setSeries(images, index = 0) {
    this.images = images;
    this.pixels = null;
    this.viewport = null;
    this.userMovedView = false;
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
    if (!this.pixels) this.setMessage("Loading…");
    try {
      const pixels = await this.cache.get(image.id);
      if (token !== this.loadToken) return; // the user has scrolled on
      this.pixels = { ...pixels, imageId: image.id };
      this.setMessage(null);
      this.ensureViewport();
      this.redraw(true);
      this.cache.prefetch(neighbourIndices(next, this.images.length, { direction: this.direction }).map((i) => this.images[i].id));
    } catch (error) {
      if (token === this.loadToken) this.setMessage(`Could not load this slice: ${error.message}`);
    }
  }

  setPreset(key) {
    const preset = presetByKey(key);
    if (preset) this.setWindow({ width: preset.width, level: preset.level });
  }

  setWindow(window) {
    this.window = window;
    this.updateWindowUi();
    this.redraw(true);
  }

  /** The mask overlay for one image ({ imageId, canvas } at image size), or null for none. */
  setOverlay(overlay) {
    this.overlay = overlay;
    this.overlayButton.disabled = !overlay;
    this.redraw(false);
  }

  setOverlayVisible(on) {
    this.overlayVisible = on;
    this.overlayButton.setAttribute("aria-pressed", String(on));
    this.redraw(false);
  }

  setWindowMode(on) {
    this.windowMode = on;
    this.modeButton.setAttribute("aria-pressed", String(on));
    this.stage.classList.toggle("is-window-mode", on);
  }

  fit() {
    this.userMovedView = false;
    this.viewport = null;
    this.ensureViewport();
    this.redraw(false);
  }

  // ---- drawing ----

  cssSize() {
    return { width: this.stage.clientWidth, height: this.stage.clientHeight };
  }

  ensureViewport() {
    if (!this.pixels) return;
    const size = this.cssSize();
    const aspect = aspectFromSpacing(this.pixels.spacing);
    const stale = !this.viewport || this.viewport.aspect !== aspect || this.viewport.columns !== this.pixels.columns || this.viewport.rows !== this.pixels.rows;
    if (stale) this.viewport = { ...fitViewport(this.pixels, size, aspect), columns: this.pixels.columns, rows: this.pixels.rows };
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = this.cssSize();
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
    if (this.pixels && !this.userMovedView) this.viewport = null;
    this.ensureViewport();
    this.redraw(false);
  }

  /** Rewindows the slice into the offscreen canvas when asked, then paints it through the viewport. */
  redraw(rewindow) {
    if (!this.pixels || !this.viewport) return;
    const { hu, rows, columns, imageId } = this.pixels;
    if (rewindow || this.offscreen.dataset.imageId !== String(imageId)) {
      if (this.offscreen.width !== columns || this.offscreen.height !== rows) {
        this.offscreen.width = columns;
        this.offscreen.height = rows;
      }
      const context = this.offscreen.getContext("2d");
      if (this.imageData?.width !== columns || this.imageData?.height !== rows) {
        this.imageData = context.createImageData(columns, rows); // reused: a window drag redraws per move
      }
      applyWindow(hu, this.window.width, this.window.level, this.imageData.data);
      context.putImageData(this.imageData, 0, 0);
      this.offscreen.dataset.imageId = String(imageId);
    }
    const dpr = window.devicePixelRatio || 1;
    const context = this.canvas.getContext("2d");
    const { scale, aspect, x, y } = this.viewport;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = "#000";
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    context.imageSmoothingEnabled = scale < 3; // past 3x show the real pixels
    context.setTransform(dpr * scale, 0, 0, dpr * scale * aspect, dpr * x, dpr * y);
    context.drawImage(this.offscreen, 0, 0);
    const overlaid = this.overlayVisible && this.overlay?.imageId === imageId;
    if (overlaid) context.drawImage(this.overlay.canvas, 0, 0);
    this.canvas.dataset.overlay = overlaid ? String(this.overlay.imageId) : "none";
    this.canvas.dataset.imageId = String(imageId);
    this.canvas.dataset.window = `${this.window.width},${this.window.level}`;
    this.canvas.dataset.scale = scale.toFixed(4);
    this.orientation.update(this.viewport, this.pixels.spacing);
    if (this.pointer) this.showHu(this.pointer);
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

  updateWindowUi() {
    this.windowLabel.textContent = describeWindow(this.window);
    const active = matchPreset(this.window.width, this.window.level)?.key;
    for (const button of this.presetGroup.querySelectorAll("[data-preset]")) {
      button.setAttribute("aria-pressed", String(button.dataset.preset === active));
    }
  }

  showHu(point) {
    this.pointer = point;
    const pixel = point && this.pixels && this.viewport ? pixelAt(this.viewport, this.pixels, point) : null;
    if (!pixel) {
      this.huLabel.textContent = "";
      return;
    }
    const value = this.pixels.hu[pixel.row * this.pixels.columns + pixel.col];
    this.huLabel.textContent = `x ${pixel.col}, y ${pixel.row} · ${value} HU`;
  }

  // ---- input ----

  localPoint(event) {
    const rect = this.stage.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  onWheel(event) {
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      this.zoomBy(wheelZoomFactor(event.deltaY * (event.deltaMode === 1 ? 33 : 1)), this.localPoint(event));
      return;
    }
    const { steps, remainder } = wheelSliceSteps(event.deltaY, event.deltaMode, this.wheelRemainder);
    this.wheelRemainder = remainder;
    if (steps !== 0) this.showSlice(this.index + steps);
  }

  onPointerDown(event) {
    const adjustWindow = event.button === 2 || (event.button === 0 && (this.windowMode || event.shiftKey));
    const panning = event.button === 1 || (event.button === 0 && !adjustWindow);
    if (!adjustWindow && !panning) return;
    event.preventDefault();
    this.stage.focus({ preventScroll: true });
    this.stage.setPointerCapture(event.pointerId);
    this.drag = { kind: adjustWindow ? "window" : "pan", x: event.clientX, y: event.clientY, window: this.window };
    this.stage.classList.add(adjustWindow ? "is-windowing" : "is-panning");
  }

  onPointerMove(event) {
    this.showHu(this.localPoint(event));
    if (!this.drag || !this.viewport) return;
    const dx = event.clientX - this.drag.x;
    const dy = event.clientY - this.drag.y;
    if (this.drag.kind === "window") {
      this.setWindow(dragToWindow(this.drag.window, dx, dy));
    } else {
      this.drag.x = event.clientX;
      this.drag.y = event.clientY;
      this.changeView(pan(this.viewport, dx, dy));
    }
  }

  onPointerUp(event) {
    if (!this.drag) return;
    if (this.stage.hasPointerCapture(event.pointerId)) this.stage.releasePointerCapture(event.pointerId);
    this.stage.classList.remove("is-windowing", "is-panning");
    this.drag = null;
  }

  zoomBy(factor, anchor) {
    if (this.viewport) this.changeView(zoomAt(this.viewport, factor, anchor));
  }

  changeView(viewport) {
    if (!viewport || !this.pixels) return;
    this.userMovedView = true;
    this.viewport = { ...clampViewport(viewport, this.pixels, this.cssSize()), columns: this.pixels.columns, rows: this.pixels.rows };
    this.redraw(false);
  }

  onKey(event) {
    if (event.target === this.slider && event.key.startsWith("Arrow")) return; // the slider handles its own
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const center = { x: this.cssSize().width / 2, y: this.cssSize().height / 2 };
    const actions = {
      ArrowDown: () => this.showSlice(this.index + 1),
      ArrowRight: () => this.showSlice(this.index + 1),
      ArrowUp: () => this.showSlice(this.index - 1),
      ArrowLeft: () => this.showSlice(this.index - 1),
      PageDown: () => this.showSlice(this.index + 10),
      PageUp: () => this.showSlice(this.index - 10),
      Home: () => this.showSlice(0),
      End: () => this.showSlice(this.images.length - 1),
      "+": () => this.zoomBy(1.25, center),
      "=": () => this.zoomBy(1.25, center),
      "-": () => this.zoomBy(0.8, center),
      f: () => this.fit(),
      w: () => this.setWindowMode(!this.windowMode),
      o: () => this.setOverlayVisible(!this.overlayVisible),
    };
    PRESETS.forEach((preset, i) => (actions[String(i + 1)] = () => this.setPreset(preset.key)));
    const action = actions[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action || event.target.matches?.("input:not([type=range]), textarea, select")) return;
    event.preventDefault();
    action();
  }
}
