// The one image stage of the viewer, the labelling and the review pages: windowed HU drawn through a
// viewport (zoom, pan, aspect from the pixel spacing), window/level by presets or by dragging, the HU under
// the cursor, A/P/R/L markers with a scale bar, and an optional decoration canvas (brush cursor, polygon).
// The maths lives in windowing.js and viewport.js; this module owns the canvases and the pointer.
//
// Drawing is in three steps so a brush stroke costs only its dirty rectangle:
//   1. compose(base, out, rect)  the page writes the pixels of `rect` (null: all) into the image-sized RGBA
//                                buffer `out` from the windowed HU `base`; without compose, out is base
//   2. putImageData of that rect into an image-sized offscreen canvas
//   3. the offscreen canvas is drawn through the viewport (brush edits: once per animation frame)
//
// Mouse: wheel zooms at the cursor (unless onWheel takes it); right drag, Shift+left drag or, in W/L mode,
// left drag adjusts window/level; middle drag, Space+left drag, or left drag when the page takes no primary
// input, pans. Left button otherwise goes to onPrimary { down, move, up } with image-pixel points.
//
// API
//   new ImageStage(root, { label?, className?, decorations?, tools?, overlays?, windowMode?, presetKeys?,
//                          fitKey?, compose?, onPrimary?, onHover?, onWheel?, drawOver?, drawDecorations? })
//   stage.setImage({ hu, rows, columns, spacing, id? })   window it and show it; a moved view is kept
//   stage.refresh(rect | null)    recompose (a rect, or everything) and present on the next frame
//   stage.setWindow({ width, level }), stage.setPreset(key), stage.window, stage.setWindowMode(on)
//   stage.fit(), stage.resetView(), stage.zoomBy(factor, anchor?), stage.presentNow(), stage.redrawDecorations()
//   stage.toImage({ clientX, clientY }) -> { x, y } image pixels;  stage.fromImage(point) -> CSS px in the stage
//   stage.element: the focusable stage <div>;  stage.canvas: the screen canvas (data-window, data-scale...)

import { el } from "./dom.js";
import { OrientationOverlay } from "./orientation-overlay.js";
import { aspectFromSpacing, clampViewport, fitViewport, imageToScreen, pan, pixelAt, screenToImage, wheelZoomFactor, zoomAt } from "./viewport.js";
import { PRESETS, describeWindow, dragToWindow, matchPreset, presetByKey, windowHU } from "./windowing.js";

const NO_OP = () => {};

export class ImageStage {
  constructor(root, options = {}) {
    this.root = root;
    this.options = { label: "CT slice", className: "", decorations: false, tools: [], overlays: [], windowMode: false, presetKeys: false, fitKey: "F", ...options };
    this.compose = options.compose ?? null;
    this.onPrimary = options.onPrimary ?? null;
    this.onHover = options.onHover ?? NO_OP;
    this.onWheel = options.onWheel ?? (() => false);
    this.drawOver = options.drawOver ?? NO_OP;
    this.drawDecorations = options.drawDecorations ?? NO_OP;
    this.image = null;
    this.window = { width: PRESETS[0].width, level: PRESETS[0].level };
    this.viewport = null;
    this.userMovedView = false;
    this.windowMode = false;
    this.drag = null;
    this.pointer = null; // CSS px in the stage, or null when the cursor is away
    this.spaceHeld = false;
    this.frame = 0;
    this.buildDom();
    this.bindEvents();
    this.updateWindowUi();
  }

  buildDom() {
    const { label, className, decorations, tools, overlays, windowMode, presetKeys, fitKey } = this.options;
    const presets = PRESETS.map((preset, i) =>
      el("button", { type: "button", class: "button button-small", "data-preset": preset.key, title: `${preset.label}: W ${preset.width} / L ${preset.level}${presetKeys ? ` (key ${i + 1})` : ""}` }, preset.label),
    );
    this.presetGroup = el("div", { class: "button-group", role: "group", "aria-label": "Window presets" }, ...presets);
    this.modeButton = windowMode ? el("button", { type: "button", class: "button button-small", "data-action": "window-mode", "aria-pressed": "false", title: "Left drag adjusts window/level (key W)" }, "W/L drag") : null;
    this.fitButton = el("button", { type: "button", class: "button button-small", "data-action": "fit", title: `Fit the image (key ${fitKey})` }, "Fit");
    this.windowLabel = el("span", { class: "viewer-window", "data-window": "" });
    const named = (part) => (className ? ` ${className}-${part}` : ""); // the page's own class, e.g. ls-canvas
    this.canvas = el("canvas", { class: `viewer-canvas${named("canvas")}`, "aria-label": label });
    this.decorations = decorations ? el("canvas", { class: named("decorations").trim(), "aria-hidden": "true" }) : null;
    this.readout = el("span", { class: "viewer-overlay viewer-overlay-bottom", "data-hu": "" });
    this.element = el("div", { class: `viewer-stage${named("stage")}`, tabindex: "0" }, this.canvas, this.decorations, this.readout, ...overlays);
    this.toolbar = el("div", { class: "viewer-toolbar" }, this.presetGroup, this.modeButton, this.fitButton, ...tools, this.windowLabel);
    this.orientation = new OrientationOverlay(this.element); // images come in the standard view: A up, R left
    this.root.replaceChildren(this.toolbar, this.element);
    this.root.classList.add("viewer");
    this.offscreen = el("canvas");
  }

  bindEvents() {
    const stage = this.element;
    this.presetGroup.addEventListener("click", (event) => {
      const key = event.target.closest("[data-preset]")?.dataset.preset;
      if (key) this.setPreset(key);
    });
    this.modeButton?.addEventListener("click", () => this.setWindowMode(!this.windowMode));
    this.fitButton.addEventListener("click", () => this.fit());
    stage.addEventListener("wheel", (event) => this.onWheelEvent(event), { passive: false });
    stage.addEventListener("pointerdown", (event) => this.onPointerDown(event));
    stage.addEventListener("pointermove", (event) => this.onPointerMove(event));
    stage.addEventListener("pointerup", (event) => this.onPointerUp(event));
    stage.addEventListener("pointercancel", (event) => this.onPointerUp(event));
    stage.addEventListener("pointerleave", () => this.hover(null));
    stage.addEventListener("contextmenu", (event) => event.preventDefault());
    // Space+drag pans, as in image editors; only while the stage has focus, so typing is unaffected.
    stage.addEventListener("keydown", (event) => {
      if (event.key !== " ") return;
      this.spaceHeld = true;
      event.preventDefault();
    });
    stage.addEventListener("keyup", (event) => event.key === " " && (this.spaceHeld = false));
    new ResizeObserver(() => this.resize()).observe(stage);
  }

  // ---- image and window ----

  /** Shows `image` ({ hu, rows, columns, spacing, id? }); a view the user moved stays if the shape is the same. */
  setImage(image) {
    const aspect = aspectFromSpacing(image.spacing);
    const reshaped = !this.image || this.image.rows !== image.rows || this.image.columns !== image.columns || this.aspect !== aspect;
    this.image = image;
    this.aspect = aspect;
    if (reshaped) this.allocate(image);
    if (reshaped || !this.viewport) {
      this.userMovedView = false;
      this.viewport = this.fitted();
    }
    this.rewindow();
    this.refresh(null, { now: true });
  }

  allocate({ rows, columns }) {
    this.offscreen.width = columns;
    this.offscreen.height = rows;
    this.imageData = this.offscreen.getContext("2d").createImageData(columns, rows); // reused by every redraw
    this.base = this.compose ? new Uint8ClampedArray(rows * columns * 4) : this.imageData.data;
  }

  rewindow() {
    windowHU(this.image.hu, this.window.width, this.window.level, this.base);
  }

  setPreset(key) {
    const preset = presetByKey(key);
    if (preset) this.setWindow({ width: preset.width, level: preset.level });
  }

  setWindow(window) {
    this.window = window;
    this.updateWindowUi();
    if (!this.image) return;
    this.rewindow();
    this.refresh(null, { now: true });
  }

  setWindowMode(on) {
    this.windowMode = on;
    this.modeButton?.setAttribute("aria-pressed", String(on));
    this.element.classList.toggle("is-window-mode", on);
  }

  updateWindowUi() {
    this.windowLabel.textContent = describeWindow(this.window);
    const active = matchPreset(this.window.width, this.window.level)?.key;
    for (const button of this.presetGroup.querySelectorAll("[data-preset]")) {
      button.setAttribute("aria-pressed", String(button.dataset.preset === active));
    }
  }

  // ---- drawing ----

  /** Recomposes `rect` (null: the whole image) into the offscreen canvas; presents now or on the next frame. */
  refresh(rect, { now = false } = {}) {
    if (!this.image) return;
    this.compose?.(this.base, this.imageData.data, rect);
    const context = this.offscreen.getContext("2d");
    if (rect) context.putImageData(this.imageData, 0, 0, rect.x, rect.y, rect.width, rect.height);
    else context.putImageData(this.imageData, 0, 0);
    if (now) this.presentNow();
    else if (!this.frame) this.frame = requestAnimationFrame(() => this.presentNow());
  }

  presentNow() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (!this.image || !this.viewport) return;
    const dpr = window.devicePixelRatio || 1;
    const context = this.canvas.getContext("2d");
    const { scale, aspect, x, y } = this.viewport;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = "#000";
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    context.imageSmoothingEnabled = scale < 3; // past 3x show the real pixels: labellers paint pixels
    context.setTransform(dpr * scale, 0, 0, dpr * scale * aspect, dpr * x, dpr * y);
    context.drawImage(this.offscreen, 0, 0);
    this.drawOver(context, this); // in image pixels, e.g. the viewer's mask overlay
    if (this.image.id != null) this.canvas.dataset.imageId = String(this.image.id);
    this.canvas.dataset.window = `${this.window.width},${this.window.level}`;
    this.canvas.dataset.scale = scale.toFixed(4);
    this.orientation.update(this.viewport, this.image.spacing);
    this.showReadout();
    this.redrawDecorations();
  }

  redrawDecorations() {
    if (!this.decorations) return;
    const dpr = window.devicePixelRatio || 1;
    const context = this.decorations.getContext("2d");
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.decorations.width, this.decorations.height);
    if (!this.viewport) return;
    context.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.drawDecorations(context, this);
  }

  // ---- view ----

  cssSize() {
    return { width: this.element.clientWidth, height: this.element.clientHeight };
  }

  fitted() {
    return this.image ? fitViewport(this.image, this.cssSize(), this.aspect) : null;
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = this.cssSize();
    for (const canvas of [this.canvas, this.decorations].filter(Boolean)) {
      canvas.width = Math.max(1, Math.round(width * dpr));
      canvas.height = Math.max(1, Math.round(height * dpr));
    }
    if (!this.viewport || !this.userMovedView) this.viewport = this.fitted();
    this.presentNow();
  }

  fit() {
    this.resetView();
    this.presentNow();
  }

  /** Forgets the user's zoom and pan: the next image (or presentNow) shows the whole image. */
  resetView() {
    this.userMovedView = false;
    this.viewport = this.fitted();
  }

  zoomBy(factor, anchor = { x: this.cssSize().width / 2, y: this.cssSize().height / 2 }) {
    if (this.viewport) this.changeView(zoomAt(this.viewport, factor, anchor));
  }

  changeView(viewport) {
    if (!viewport || !this.image) return;
    this.userMovedView = true;
    this.viewport = clampViewport(viewport, this.image, this.cssSize());
    this.presentNow();
  }

  // ---- coordinates ----

  localPoint(event) {
    const bounds = this.element.getBoundingClientRect();
    return { x: event.clientX - bounds.left, y: event.clientY - bounds.top };
  }

  toImage(event) {
    return screenToImage(this.viewport, this.localPoint(event));
  }

  fromImage(point) {
    return imageToScreen(this.viewport, point);
  }

  /** The cursor moved to `point` (CSS px in the stage, or null: it left). */
  hover(point) {
    this.pointer = point;
    this.onHover(point && this.viewport ? screenToImage(this.viewport, point) : null);
    this.showReadout();
    this.redrawDecorations();
  }

  showReadout() {
    const pixel = this.pointer && this.image && this.viewport ? pixelAt(this.viewport, this.image, this.pointer) : null;
    this.readout.textContent = pixel ? `x ${pixel.col}, y ${pixel.row} · ${this.image.hu[pixel.row * this.image.columns + pixel.col]} HU` : "";
  }

  // ---- input ----

  onWheelEvent(event) {
    event.preventDefault();
    if (this.onWheel(event) || !this.viewport) return;
    const delta = event.deltaY * (event.deltaMode === 1 ? 33 : 1);
    this.changeView(zoomAt(this.viewport, wheelZoomFactor(delta), this.localPoint(event)));
  }

  dragKind(event) {
    const left = event.button === 0;
    if (event.button === 2 || (left && (this.windowMode || (event.shiftKey && !this.onPrimary?.wantsShift)))) return "window";
    if (event.button === 1 || (left && (this.spaceHeld || !this.onPrimary))) return "pan";
    return left ? "primary" : null;
  }

  onPointerDown(event) {
    const kind = this.viewport ? this.dragKind(event) : null;
    if (!kind) return;
    event.preventDefault();
    this.element.focus({ preventScroll: true });
    capturePointer(this.element, event.pointerId);
    this.drag = { kind, x: event.clientX, y: event.clientY, window: this.window };
    this.element.classList.toggle("is-windowing", kind === "window");
    this.element.classList.toggle("is-panning", kind === "pan");
    if (kind === "primary") this.onPrimary.down(this.toImage(event), event);
  }

  onPointerMove(event) {
    const drag = this.drag;
    if (drag?.kind === "primary") {
      // Coalesced events keep fast strokes smooth when the main thread is busy.
      const events = event.getCoalescedEvents?.() ?? [];
      for (const sample of events.length ? events : [event]) this.onPrimary.move(this.toImage(sample), sample);
    } else if (drag?.kind === "window") {
      this.setWindow(dragToWindow(drag.window, event.clientX - drag.x, event.clientY - drag.y));
    } else if (drag?.kind === "pan") {
      this.changeView(pan(this.viewport, event.clientX - drag.x, event.clientY - drag.y));
      drag.x = event.clientX;
      drag.y = event.clientY;
    }
    this.hover(this.localPoint(event));
  }

  onPointerUp(event) {
    const drag = this.drag;
    if (!drag) return;
    this.drag = null;
    if (event.pointerId != null && this.element.hasPointerCapture(event.pointerId)) this.element.releasePointerCapture(event.pointerId);
    this.element.classList.remove("is-windowing", "is-panning");
    if (drag.kind === "primary") this.onPrimary.up(event);
  }
}

// Capture fails for a pointer that is already gone (or a synthetic one); the drag still works without it.
function capturePointer(node, pointerId) {
  try {
    node.setPointerCapture(pointerId);
  } catch {
    /* not capturable: keep going uncaptured */
  }
}
