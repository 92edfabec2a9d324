// Pure colour scale for the Dice heatmap: a sequential pale-yellow -> teal -> deep-blue ramp (after
// ColorBrewer YlGnBu), so that red stays free for the catastrophic-forgetting outline.

export const STOPS = ["#ffffd9", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"];

function hexToRgb(hex) {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const toHex = (rgb) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;

/** Colour at t in 0..1 along the stops (clamped), as "#rrggbb". */
export function rampColor(t, stops = STOPS) {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const position = clamped * (stops.length - 1);
  const index = Math.min(stops.length - 2, Math.floor(position));
  const local = position - index;
  const [a, b] = [hexToRgb(stops[index]), hexToRgb(stops[index + 1])];
  return toHex(a.map((c, i) => c + (b[i] - c) * local));
}

/**
 * The Dice range the colours span: up to 1, down to the lowest value rounded down to a tenth (never
 * above 0.9), so that differences among good models stay visible instead of all looking the same.
 */
export function diceDomain(values) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [0, 1];
  const low = Math.floor(Math.max(0, Math.min(...finite)) * 10 + 1e-9) / 10;
  return [Math.min(low, 0.9), 1];
}

export function diceColor(dice, [low, high] = [0, 1]) {
  if (!Number.isFinite(dice)) return null;
  return rampColor((dice - low) / (high - low || 1));
}

/** Black or white, whichever reads better on the background (WCAG relative luminance). */
export function textColorFor(background) {
  const [r, g, b] = hexToRgb(background).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.22 ? "#1b2630" : "#ffffff";
}

/** A CSS linear-gradient for the legend bar. */
export function legendGradient(stops = STOPS) {
  return `linear-gradient(to right, ${stops.map((c, i) => `${c} ${((i / (stops.length - 1)) * 100).toFixed(1)}%`).join(", ")})`;
}
