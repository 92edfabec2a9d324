// The image stage of the labelling and review pages: windowed HU with an overlay, zoom and pan, free
// window/level, and a decoration layer (brush cursor, polygon) drawn on a second canvas.
//
// Drawing is in three steps so a brush stroke costs only its dirty rectangle:
//   1. compose(base, out, rect)  the page's function writes overlay pixels of `rect` (null: all) into the
//                                image-sized RGBA buffer `out`, from the windowed HU `base`
//   2. putImageData of that rect into an image-sized offscreen canvas
//   3. once per animation frame, the offscreen canvas is drawn through the viewport onto the screen
//
// Mouse: wheel zooms at the cursor; right drag (or Shift+left drag) adjusts window/level; middle drag,
// Space+left drag, or left drag when the page takes no primary input, pans. Left button otherwise goes
// to the page's onPrimary { down, move, up } with image-pixel points (continuous coordinates).
//
// API
//   new Stage(root, { image: { hu, rows, columns, spacing }, compose, onPrimary?, onHover?, drawDecorations? })
//   stage.refresh(rect | null)    recompose (a rect, or everything) and present on the next frame
//   stage.setWindow({ width, level }), stage.setPreset(key), stage.window
//   stage.fit(), stage.zoomBy(factor), stage.presentNow(), stage.redrawDecorations()
//   stage.toImage({ clientX, clientY }) -> { x, y } image pixels;  stage.fromImage(point) -> CSS px in the stage

import { PRESETS, describeWindow, dragToWindow, matchPreset, presetByKey } from "../../viewer/windowing.js";
import { aspectFromSpacing, clampViewport, fitViewport, imageToScreen, pan, screenToImage, wheelZoomFactor, zoomAt } from "../../viewer/viewport.js";
import { OrientationOverlay } from "../../viewer/orientation_overlay.js";
import { windowHU } from "../render.js";
import { el } from "./dom.js";

export class Stage {
  constructor(root, { image, compose, onPrimary = null, onHover = () => {}, drawDecorations = () => {} }) {
    this.root = root;
    this.image = image;
    this.compose = compose;
    this.onPrimary = onPrimary;
    this.onHover = onHover;
    this.drawDecorations = drawDecorations;
    this.window = { width: PRESETS[0].width, level: PRESETS[0].level };
    this.aspect = aspectFromSpacing(image.spacing);
    this.viewport = null;
    this.userMovedView = false;
    this.drag = null;
    this.spaceHeld = false;
    this.frame = 0;
    this.base = new Uint8ClampedArray(image.rows * image.columns * 4);
    this.buildDom();
    this.imageData = this.offscreen.getContext("2d").createImageData(image.columns, image.rows);
    this.bindEvents();
    windowHU(image.hu, this.window.width, this.window.level, this.base);
    this.updateWindowUi();
  }

  buildDom() {
    const presets = PRESETS.map((preset) =>
      el("button", { type: "button", class: "button button-small", "data-preset": preset.key, title: `${preset.label}: W ${preset.width} / L ${preset.level}` }, preset.label),
    );
    this.presetGroup = el("div", { class: "button-group", role: "group", "aria-label": "Window presets" }, ...presets);
    this.fitButton = el("button", { type: "button", class: "button button-small", "data-action": "fit", title: "Fit the image (key 0)" }, "Fit");
    this.windowLabel = el("span", { class: "viewer-window", "data-window": "" });
    this.canvas = el("canvas", { class: "viewer-canvas ls-canvas", "aria-label": "CT slice with mask overlay" });
    this.decorations = el("canvas", { class: "ls-decorations", "aria-hidden": "true" });
    this.readout = el("span", { class: "viewer-overlay viewer-overlay-bottom", "data-hu": "" });
    this.stage = el("div", { class: "viewer-stage ls-stage", tabindex: "0" }, this.canvas, this.decorations, this.readout);
    this.toolbar = el("div", { class: "viewer-toolbar" }, this.presetGroup, this.fitButton, this.windowLabel);
    this.orientation = new OrientationOverlay(this.stage); // the image is in the standard view: A up, R left
    this.root.replaceChildren(this.toolbar, this.stage);
    this.root.classList.add("viewer");
    this.offscreen = el("canvas", { width: String(this.image.columns), height: String(this.image.rows) });
  }

  bindEvents() {
    this.presetGroup.addEventListener("click", (event) => {
      const key = event.target.closest("[data-preset]")?.dataset.preset;
      if (key) this.setPreset(key);
    });
    this.fitButton.addEventListener("click", () => this.fit());
    this.stage.addEventListener("wheel", (event) => this.onWheel(event), { passive: false });
    this.stage.addEventListener("pointerdown", (event) => this.onPointerDown(event));
    this.stage.addEventListener("pointermove", (event) => this.onPointerMove(event));
    this.stage.addEventListener("pointerup", (event) => this.onPointerUp(event));
    this.stage.addEventListener("pointercancel", (event) => this.onPointerUp(event));
    this.stage.addEventListener("pointerleave", () => this.hover(null));
    this.stage.addEventListener("contextmenu", (event) => event.preventDefault());
    // Space+drag pans, as in image editors; only while the stage has focus, so typing is unaffected.
    this.stage.addEventListener("keydown", (event) => {
      if (event.key === " ") {
        this.spaceHeld = true;
        event.preventDefault();
      }
    });
    this.stage.addEventListener("keyup", (event) => event.key === " " && (this.spaceHeld = false));
    new ResizeObserver(() => this.resize()).observe(this.stage);
  }

  // ---- window ----

  setPreset(key) {
    const preset = presetByKey(key);
    if (preset) this.setWindow({ width: preset.width, level: preset.level });
  }

  setWindow(window) {
    this.window = window;
    windowHU(this.image.hu, window.width, window.level, this.base);
    this.updateWindowUi();
    this.refresh(null);
  }

  updateWindowUi() {
    this.windowLabel.textContent = describeWindow(this.window);
    const active = matchPreset(this.window.width, this.window.level)?.key;
    for (const button of this.presetGroup.querySelectorAll("[data-preset]")) {
      button.setAttribute("aria-pressed", String(button.dataset.preset === active));
    }
  }

  // ---- drawing ----

  refresh(rect) {
    this.compose(this.base, this.imageData.data, rect);
    const context = this.offscreen.getContext("2d");
    if (rect) context.putImageData(this.imageData, 0, 0, rect.x, rect.y, rect.width, rect.height);
    else context.putImageData(this.imageData, 0, 0);
    this.schedulePresent();
  }

  schedulePresent() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.presentNow());
  }

  presentNow() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (!this.viewport) return;
    const dpr = window.devicePixelRatio || 1;
    const context = this.canvas.getContext("2d");
    const { scale, aspect, x, y } = this.viewport;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = "#000";
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    context.imageSmoothingEnabled = scale < 3; // past 3x show the real pixels: labellers paint pixels
    context.setTransform(dpr * scale, 0, 0, dpr * scale * aspect, dpr * x, dpr * y);
    context.drawImage(this.offscreen, 0, 0);
    this.canvas.dataset.window = `${this.window.width},${this.window.level}`;
    this.canvas.dataset.scale = scale.toFixed(4);
    this.orientation.update(this.viewport, this.image.spacing);
    this.redrawDecorations();
  }

  redrawDecorations() {
    const dpr = window.devicePixelRatio || 1;
    const context = this.decorations.getContext("2d");
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.decorations.width, this.decorations.height);
    if (!this.viewport) return;
    context.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.drawDecorations(context, this);
  }

  cssSize() {
    return { width: this.stage.clientWidth, height: this.stage.clientHeight };
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = this.cssSize();
    for (const canvas of [this.canvas, this.decorations]) {
      canvas.width = Math.max(1, Math.round(width * dpr));
      canvas.height = Math.max(1, Math.round(height * dpr));
    }
    if (!this.viewport || !this.userMovedView) this.viewport = fitViewport(this.image, this.cssSize(), this.aspect);
    this.presentNow();
  }

  fit() {
    this.userMovedView = false;
    this.viewport = fitViewport(this.image, this.cssSize(), this.aspect);
    this.presentNow();
  }

  zoomBy(factor, anchor = { x: this.cssSize().width / 2, y: this.cssSize().height / 2 }) {
    this.changeView(zoomAt(this.viewport, factor, anchor));
  }

  changeView(viewport) {
    if (!viewport) return;
    this.userMovedView = true;
    this.viewport = clampViewport(viewport, this.image, this.cssSize());
    this.schedulePresent();
  }

  // ---- coordinates ----

  localPoint(event) {
    const bounds = this.stage.getBoundingClientRect();
    return { x: event.clientX - bounds.left, y: event.clientY - bounds.top };
  }

  toImage(event) {
    return screenToImage(this.viewport, this.localPoint(event));
  }

  fromImage(point) {
    return imageToScreen(this.viewport, point);
  }

  hover(point) {
    this.pointer = point;
    this.onHover(point);
    const inside = point && point.x >= 0 && point.y >= 0 && point.x < this.image.columns && point.y < this.image.rows;
    if (!inside) this.readout.textContent = "";
    else {
      const col = Math.floor(point.x);
      const row = Math.floor(point.y);
      this.readout.textContent = `x ${col}, y ${row} · ${this.image.hu[row * this.image.columns + col]} HU`;
    }
    this.redrawDecorations();
  }

  // ---- input ----

  onWheel(event) {
    event.preventDefault();
    if (!this.viewport) return;
    const delta = event.deltaY * (event.deltaMode === 1 ? 33 : 1);
    this.changeView(zoomAt(this.viewport, wheelZoomFactor(delta), this.localPoint(event)));
  }

  onPointerDown(event) {
    if (!this.viewport) return;
    const windowing = event.button === 2 || (event.button === 0 && event.shiftKey && !this.onPrimary?.wantsShift);
    const panning = event.button === 1 || (event.button === 0 && (this.spaceHeld || !this.onPrimary));
    if (event.button !== 0 && !windowing && !panning) return;
    event.preventDefault();
    this.stage.focus({ preventScroll: true });
    capturePointer(this.stage, event.pointerId);
    const kind = windowing ? "window" : panning ? "pan" : "primary";
    this.drag = { kind, x: event.clientX, y: event.clientY, window: this.window };
    this.stage.classList.toggle("is-windowing", kind === "window");
    this.stage.classList.toggle("is-panning", kind === "pan");
    if (kind === "primary") this.onPrimary.down(this.toImage(event), event);
  }

  onPointerMove(event) {
    if (!this.viewport) return;
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
    this.hover(this.toImage(event));
  }

  onPointerUp(event) {
    const drag = this.drag;
    if (!drag) return;
    this.drag = null;
    if (event.pointerId != null && this.stage.hasPointerCapture(event.pointerId)) this.stage.releasePointerCapture(event.pointerId);
    this.stage.classList.remove("is-windowing", "is-panning");
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
