// The sagittal and coronal reformats of a series beside the axial viewer, with the detected vertebral levels
// drawn on them, a line at the axial slice on screen and one under the cursor. A click (or ↑ ↓ while the
// reformat has focus) asks for another axial slice through `onPickZ(z)` / `onStep(±1)` (+1: down the body,
// as ↓ moves the line down the picture).

import { ApiError, errorMessage, parsePixels } from "../core/api.js";
import { el } from "../core/dom.js";
import { applyWindow } from "../core/windowing.js";
import { bodyColumns, fitLayout, levelAt, yAtZ, zAtY } from "./reformat-geometry.js";

const GUTTER = 44; // CSS px right of the image for the level names and endplate ticks
const WINDOW = { width: 1200, level: 250 }; // bone and soft tissue both readable: vertebrae, discs, ribs
const COLOURS = { level: "rgba(255, 214, 102, 0.9)", detected: "#ffd666", chosen: "#3ddc97", current: "#4cc3ff", hover: "#ffffff" };

export async function fetchReformat(seriesId, plane) {
  const response = await fetch(`/api/series/${encodeURIComponent(seriesId)}/reformat/${plane}`, { credentials: "same-origin" });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new ApiError(errorMessage(body, response.status), { status: response.status, body });
  }
  const pixels = parsePixels(await response.arrayBuffer(), response.headers);
  return { ...pixels, zTop: Number(response.headers.get("X-Z-Top-Mm")), position: Number(response.headers.get("X-Position")) };
}

export class ReformatView {
  constructor(root, { onPickZ = () => {}, onStep = () => {}, load = fetchReformat } = {}) {
    this.root = root;
    this.onPickZ = onPickZ;
    this.onStep = onStep;
    this.load = load;
    this.plane = "sagittal";
    this.series = null;
    this.reformats = new Map(); // `${seriesId}:${plane}` -> promise of the reformat
    this.shown = null;
    this.currentZ = null;
    this.hoverZ = null;
    this.token = 0;
    this.build();
  }

  build() {
    this.tabs = ["sagittal", "coronal"].map((plane) =>
      el("button", { type: "button", class: "button button-small", "data-plane": plane, "aria-pressed": String(plane === this.plane) }, plane[0].toUpperCase() + plane.slice(1)),
    );
    this.canvas = el("canvas", { class: "reformat-canvas", "aria-label": "Reformat: click to show the axial slice there" });
    this.message = el("div", { class: "viewer-message", role: "status" }, "Loading…");
    this.hoverLabel = el("span", { class: "viewer-overlay viewer-overlay-bottom", "data-reformat-hover": "" });
    this.stretchLabel = el("span", { class: "viewer-overlay viewer-overlay-top", "data-reformat-stretch": "" });
    this.stage = el("div", { class: "reformat-stage", tabindex: "0", "data-reformat-stage": "" }, this.canvas, this.stretchLabel, this.hoverLabel, this.message);
    this.root.replaceChildren(el("div", { class: "reformat-toolbar button-group", role: "group", "aria-label": "Reformat plane" }, ...this.tabs), this.stage);
    for (const tab of this.tabs) tab.addEventListener("click", () => this.setPlane(tab.dataset.plane));
    this.stage.addEventListener("click", (event) => {
      const z = this.zAt(event);
      if (z !== null) this.onPickZ(z);
    });
    this.stage.addEventListener("pointermove", (event) => this.setHover(this.zAt(event)));
    this.stage.addEventListener("pointerleave", () => this.setHover(null));
    this.stage.addEventListener("keydown", (event) => {
      const step = { ArrowUp: -1, ArrowDown: 1 }[event.key];
      if (!step || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      this.onStep(step);
    });
    new ResizeObserver(() => this.draw()).observe(this.stage);
  }

  /** Shows `series` (from the study API: detection, level_z_mm, images); null or a single slice hides the view. */
  setSeries(series) {
    this.series = series;
    const placed = series ? series.images.filter((image) => image.slice_location != null).length : 0;
    this.root.hidden = placed < 2;
    this.root.closest("[data-viewer-column]")?.classList.toggle("has-reformat", placed >= 2);
    if (placed >= 2) this.show();
  }

  setPlane(plane) {
    this.plane = plane;
    for (const tab of this.tabs) tab.setAttribute("aria-pressed", String(tab.dataset.plane === plane));
    this.show();
  }

  setCurrentZ(z) {
    this.currentZ = z;
    this.draw();
  }

  /** Redraws after the series' L3 choice or detection changed. */
  refresh() {
    this.draw();
  }

  async show() {
    const token = ++this.token;
    const key = `${this.series.id}:${this.plane}`;
    if (!this.reformats.has(key)) this.reformats.set(key, this.load(this.series.id, this.plane));
    this.setMessage(this.shown ? null : "Loading…");
    try {
      const reformat = await this.reformats.get(key);
      if (token !== this.token) return;
      this.shown = { ...reformat, crop: bodyColumns(reformat.hu, reformat.rows, reformat.columns), plane: this.plane };
      this.offscreen = null;
      this.setMessage(null);
      this.draw();
    } catch (error) {
      this.reformats.delete(key);
      if (token === this.token) this.setMessage(`No ${this.plane} view: ${error.message}`);
    }
  }

  setMessage(text) {
    this.message.textContent = text ?? "";
    this.message.hidden = !text;
  }

  setHover(z) {
    this.hoverZ = z;
    const name = z === null ? "" : levelAt(this.series?.detection?.levels ?? [], z);
    this.hoverLabel.textContent = z === null ? "" : `${z.toFixed(1)} mm${name ? ` · ${name}` : ""}`;
    this.draw();
  }

  zAt(event) {
    if (!this.layout) return null;
    const rect = this.stage.getBoundingClientRect();
    return zAtY(this.layout, event.clientY - rect.top);
  }

  image() {
    if (this.offscreen) return this.offscreen;
    const { hu, rows, columns, crop } = this.shown;
    const full = document.createElement("canvas");
    full.width = columns;
    full.height = rows;
    const data = full.getContext("2d").createImageData(columns, rows);
    applyWindow(hu, WINDOW.width, WINDOW.level, data.data);
    full.getContext("2d").putImageData(data, 0, 0);
    this.offscreen = { canvas: full, crop };
    return this.offscreen;
  }

  draw() {
    if (!this.shown || this.root.hidden) return;
    const dpr = window.devicePixelRatio || 1;
    const width = this.stage.clientWidth;
    const height = this.stage.clientHeight;
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
    const context = this.canvas.getContext("2d");
    context.setTransform(dpr, 0, 0, dpr, 0, 0);
    context.fillStyle = "#000";
    context.fillRect(0, 0, width, height);
    const { rows, spacing, crop, zTop } = this.shown;
    this.layout = fitLayout({ rows, spacing, crop, zTop }, width - GUTTER, height);
    const { canvas } = this.image();
    const { x, y, widthPx, heightPx } = this.layout;
    context.imageSmoothingEnabled = true;
    context.drawImage(canvas, crop.first, 0, crop.last - crop.first + 1, rows, x, y, widthPx, heightPx);
    this.drawLevels(context);
    this.canvas.dataset.plane = this.shown.plane;
    this.canvas.dataset.imageTop = y.toFixed(1); // where the image lies in the stage, in CSS px (tests click there)
    this.canvas.dataset.imageHeight = heightPx.toFixed(1);
    const stretched = this.layout.stretch > 1.05;
    this.stretchLabel.textContent = stretched ? `stretched ×${this.layout.stretch.toFixed(1)} down the body` : "";
    this.stretchLabel.title = stretched ? "A short series: drawn taller than its real proportions so that a level can be picked" : "";
    this.canvas.dataset.currentZ = this.currentZ == null ? "" : String(this.currentZ);
  }

  drawLevels(context) {
    const { x, widthPx } = this.layout;
    const detection = this.series.detection;
    context.font = "600 12px ui-monospace, monospace";
    context.textBaseline = "middle";
    for (const level of detection?.levels ?? []) {
      context.strokeStyle = COLOURS.level;
      context.lineWidth = 1;
      for (const z of [level.superior_mm, level.inferior_mm]) if (z != null) this.line(context, z, x + widthPx - 8, x + widthPx + 10);
      if (level.name) {
        context.fillStyle = COLOURS.level;
        context.fillText(level.name, x + widthPx + 12, yAtZ(this.layout, level.centre_mm));
      }
    }
    if (detection?.l3_z_mm != null) this.marker(context, detection.l3_z_mm, COLOURS.detected, "L3 detected", [6, 4]);
    if (this.series.level_z_mm != null && this.series.level_image_id) {
      const source = this.series.level_source === "manual_override" ? "L3 (override)" : "L3 chosen";
      if (this.series.level_z_mm !== detection?.l3_z_mm) this.marker(context, this.series.level_z_mm, COLOURS.chosen, source, []);
    }
    if (this.currentZ != null) this.marker(context, this.currentZ, COLOURS.current, "", []);
    if (this.hoverZ != null) this.marker(context, this.hoverZ, COLOURS.hover, "", [2, 3]);
  }

  line(context, z, from, to) {
    const y = Math.round(yAtZ(this.layout, z)) + 0.5;
    context.beginPath();
    context.moveTo(from, y);
    context.lineTo(to, y);
    context.stroke();
  }

  marker(context, z, colour, label, dash) {
    const { x, widthPx } = this.layout;
    context.save();
    context.strokeStyle = colour;
    context.lineWidth = 1.5;
    context.setLineDash(dash);
    this.line(context, z, x, x + widthPx);
    context.restore();
    if (label) {
      context.fillStyle = colour;
      context.fillText(label, x + 4, yAtZ(this.layout, z) - 8);
    }
  }
}
