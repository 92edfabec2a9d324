// What a labeller changed from the pre-label, per pixel, and how the review page colours it. Pure.
//
// A difference map is a mask-shaped object whose values are kinds of change:
//   0 same, 1 added (pre-label background, now labelled), 2 removed (pre-label labelled, now
//   background), 3 relabelled (both labelled, different labels).
//
// API
//   DIFF_KINDS                                 [{ value, name, color }] for legends and compositing
//   diffMasks(prelabel | null, mask)           -> { map, counts: { added, removed, relabelled, changed } }
//                                                 (null pre-label: everything labelled counts as added)
//   composeReview(base, mask, map, { mode = 'both', opacity = 0.5, outline = false, out })
//       -> Uint8ClampedArray RGBA; mode 'mask' shows the submitted mask, 'diff' only the differences,
//          'both' the mask with its differences drawn over it

import { compositeOverlay } from "../labelling/render.js";

export const DIFF_KINDS = Object.freeze([
  Object.freeze({ value: 1, name: "added", color: "#30a46c" }),
  Object.freeze({ value: 2, name: "removed", color: "#f76b15" }),
  Object.freeze({ value: 3, name: "relabelled", color: "#ffe629" }),
]);

const ADDED = 1;
const REMOVED = 2;
const RELABELLED = 3;
const DIFF_OPACITY = 0.85;

export function diffMasks(prelabel, mask) {
  if (prelabel && (prelabel.width !== mask.width || prelabel.height !== mask.height)) {
    throw new RangeError("the pre-label and the mask differ in size");
  }
  const data = new Uint8Array(mask.data.length);
  const counts = { added: 0, removed: 0, relabelled: 0, changed: 0 };
  const before = prelabel?.data;
  for (let i = 0; i < data.length; i++) {
    const was = before ? before[i] : 0;
    const now = mask.data[i];
    if (was === now) continue;
    const kind = was === 0 ? ADDED : now === 0 ? REMOVED : RELABELLED;
    data[i] = kind;
    counts[DIFF_KINDS[kind - 1].name] += 1;
  }
  counts.changed = counts.added + counts.removed + counts.relabelled;
  return { map: { width: mask.width, height: mask.height, data, labels: DIFF_KINDS }, counts };
}

export function composeReview(base, mask, map, options = {}) {
  const { mode = "both", opacity = 0.5, outline = false } = options;
  const out = options.out ?? new Uint8ClampedArray(base.length);
  if (mode === "diff") out.set(base);
  else compositeOverlay(base, mask, { opacity, outline, out });
  if (mode === "mask") return out;
  // Blending the differences over the picture so far: compositeOverlay reads and writes `out` pixel by pixel.
  return compositeOverlay(out, map, { opacity: DIFF_OPACITY, labels: DIFF_KINDS, out });
}
