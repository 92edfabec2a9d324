// Pixels for the canvas, on plain typed arrays: the drawing code only calls putImageData.
//
// API
//   parseColor('#rrggbb' | '#rgb') -> [r, g, b]
//   compositeOverlay(base, mask, { opacity = 0.5, outline = false, rect?, labels?, out? })
//       -> Uint8ClampedArray RGBA: base (windowed HU: core/windowing.js windowHU) with each labelled
//       pixel blended toward its label colour. rect { x, y, width, height } limits work to a dirty
//       rectangle; out (default: a copy of base) is written in place, so one buffer serves every
//       redraw. outline draws only boundary pixels (a 4-neighbour holds another value, or the image
//       edge), fully opaque, and grows rect by one pixel since an edit changes its neighbours' outlines too.
//   isBoundaryPixel(mask, x, y)

import { DEFAULT_LABELS } from "./mask.js";

export function parseColor(color) {
  const hex = color.replace("#", "");
  const full = hex.length === 3 ? [...hex].map((digit) => digit + digit).join("") : hex;
  if (!/^[0-9a-fA-F]{6}$/.test(full)) throw new Error(`not a #rrggbb colour: ${color}`);
  return [0, 2, 4].map((start) => parseInt(full.slice(start, start + 2), 16));
}

export function compositeOverlay(base, mask, options = {}) {
  const { opacity = 0.5, outline = false, labels = mask.labels ?? DEFAULT_LABELS } = options;
  const rect = redrawRect(mask, options.rect, outline);
  const out = options.out ?? new Uint8ClampedArray(base);
  const colors = colorTable(labels);
  const alpha = outline ? 1 : opacity;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const index = y * mask.width + x;
      const value = mask.data[index];
      const color = colors[value];
      const show = color && (!outline || isBoundaryPixel(mask, x, y));
      blendPixel(out, base, index * 4, show ? color : null, alpha);
    }
  }
  return out;
}

// In outline mode an edit changes whether its neighbours are boundary pixels, so grow the rect by one.
function redrawRect(mask, rect, outline) {
  if (!rect) return { x: 0, y: 0, width: mask.width, height: mask.height };
  const margin = outline ? 1 : 0;
  const x = Math.max(0, rect.x - margin);
  const y = Math.max(0, rect.y - margin);
  const right = Math.min(mask.width, rect.x + rect.width + margin);
  const bottom = Math.min(mask.height, rect.y + rect.height + margin);
  return { x, y, width: right - x, height: bottom - y };
}

export function isBoundaryPixel(mask, x, y) {
  const { width, height, data } = mask;
  const value = data[y * width + x];
  if (x === 0 || y === 0 || x === width - 1 || y === height - 1) return true;
  const index = y * width + x;
  return (
    data[index - 1] !== value ||
    data[index + 1] !== value ||
    data[index - width] !== value ||
    data[index + width] !== value
  );
}

// Writes base where there is no colour, so a dirty-rect redraw also clears erased pixels.
function blendPixel(out, base, offset, color, alpha) {
  for (let channel = 0; channel < 3; channel++) {
    const under = base[offset + channel];
    out[offset + channel] = color ? under + (color[channel] - under) * alpha : under;
  }
  out[offset + 3] = 255;
}

function colorTable(labels) {
  const table = new Array(256).fill(null);
  for (const label of labels) if (label.value !== 0) table[label.value] = parseColor(label.color);
  return table;
}
