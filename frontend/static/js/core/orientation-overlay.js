// A/P/R/L markers at the stage's edges and a scale bar, over the viewer's and the labelling page's canvas.
// The maths is in orientation.js; this only builds and updates the elements.

import { MARKERS, MARKER_TITLES, mmPerScreenPixel, scaleBar } from "./orientation.js";

const SCALE_BAR_MAX_PX = 120;

export class OrientationOverlay {
  constructor(stage) {
    this.markers = Object.entries(MARKERS).map(([side, letter]) => {
      const node = document.createElement("span");
      node.className = `viewer-marker viewer-marker-${side}`;
      node.dataset.marker = letter;
      node.title = MARKER_TITLES[letter];
      node.textContent = letter;
      return node;
    });
    this.bar = document.createElement("div");
    this.bar.className = "viewer-scalebar";
    this.bar.dataset.scalebar = "";
    this.line = document.createElement("span");
    this.line.className = "viewer-scalebar-line";
    this.label = document.createElement("span");
    this.label.className = "viewer-scalebar-label";
    this.bar.append(this.label, this.line);
    this.bar.hidden = true;
    stage.append(...this.markers, this.bar);
  }

  /** Call after every redraw: the bar follows the zoom. */
  update(viewport, spacing) {
    const bar = scaleBar(mmPerScreenPixel(viewport, spacing), SCALE_BAR_MAX_PX);
    this.bar.hidden = !bar;
    if (!bar) return;
    this.line.style.width = `${bar.px.toFixed(1)}px`;
    this.label.textContent = bar.label;
    this.bar.dataset.mm = String(bar.mm);
    this.bar.dataset.px = bar.px.toFixed(2);
  }
}
