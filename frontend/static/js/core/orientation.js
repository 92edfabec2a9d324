// Orientation markers and a scale bar for a slice on screen. Pure; no DOM (orientation-overlay.js draws).
//
// The server stores and sends every slice in the standard radiological view (backend/segmentation/
// orientation.py): anterior at the top, the patient's right on the screen's left. So the markers are the
// same for every image; they say so to the reader rather than describe a per-image transform.

export const MARKERS = Object.freeze({ top: "A", bottom: "P", left: "R", right: "L" });
export const MARKER_TITLES = Object.freeze({ A: "anterior", P: "posterior", R: "patient right", L: "patient left" });

const STEPS = [1, 2, 5];

/**
 * The longest "round" length (1, 2 or 5 × 10^n mm) whose bar is at most `maxPx` screen pixels long, given
 * `mmPerPx` millimetres per screen pixel. Returns { mm, px, label }, or null when nothing sensible fits.
 */
export function scaleBar(mmPerPx, maxPx) {
  if (!(mmPerPx > 0) || !(maxPx > 0) || !Number.isFinite(mmPerPx)) return null;
  const longest = mmPerPx * maxPx;
  let best = null;
  for (let exponent = Math.floor(Math.log10(longest)) - 1; exponent <= Math.floor(Math.log10(longest)); exponent++) {
    for (const step of STEPS) {
      const mm = step * 10 ** exponent;
      if (mm <= longest * (1 + 1e-9)) best = mm;
    }
  }
  if (best === null) return null;
  const mm = Number(best.toPrecision(6));
  return { mm, px: mm / mmPerPx, label: formatLength(mm) };
}

export function formatLength(mm) {
  if (mm >= 10) return `${Number((mm / 10).toPrecision(6))} cm`;
  return `${Number(mm.toPrecision(6))} mm`;
}

/** Millimetres per screen (CSS) pixel across the screen for a viewport ({ scale }) and [row, column] spacing. */
export function mmPerScreenPixel(viewport, spacing) {
  const colMm = spacing?.[1];
  return viewport?.scale > 0 && colMm > 0 ? colMm / viewport.scale : NaN;
}
