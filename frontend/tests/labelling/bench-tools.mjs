// Micro-benchmark of the labelling core on a 512x512 slice (not a test). Prints JSON.
//   node frontend/tests/labelling/bench-tools.mjs
// Figures are Node (V8) timings of the pure modules; the Chromium figures the issue asks for
// (benchmarks/canvas) add drawing on top of these.

import { encodePNG, decodePNG } from "../../static/js/labelling/codec.js";
import { History } from "../../static/js/labelling/history.js";
import { cloneMask, createMask } from "../../static/js/labelling/mask.js";
import { windowHU } from "../../static/js/core/windowing.js";
import { compositeOverlay } from "../../static/js/labelling/render.js";
import { beginStroke, regionGrow, removeSmallIslands } from "../../static/js/labelling/tools.js";
import { seededRandom } from "./helpers.js";

const SIZE = 512;
const STROKES = 200;
const EVENTS_PER_STROKE = 60;

function strokePoints(random) {
  // A wandering drag with 2..12 px between pointer events, as a quick hand gives.
  let x = 64 + random() * 384;
  let y = 64 + random() * 384;
  let heading = random() * 2 * Math.PI;
  return Array.from({ length: EVENTS_PER_STROKE }, () => {
    heading += (random() - 0.5) * 0.6;
    const step = 2 + random() * 10;
    x = Math.min(SIZE - 1, Math.max(0, x + Math.cos(heading) * step));
    y = Math.min(SIZE - 1, Math.max(0, y + Math.sin(heading) * step));
    return { x, y };
  });
}

function timeStrokes(mask, history, base, overlay, options, random) {
  let segmentMs = 0;
  let redrawMs = 0;
  for (let s = 0; s < STROKES; s++) {
    const stroke = beginStroke(mask, { ...options, value: (s % 2) + 1 });
    for (const point of strokePoints(random)) {
      const t0 = performance.now();
      const rect = stroke.add(point);
      const t1 = performance.now();
      if (rect) compositeOverlay(base, mask, { rect, out: overlay });
      redrawMs += performance.now() - t1;
      segmentMs += t1 - t0;
    }
    history.push(stroke.end());
  }
  const events = STROKES * EVENTS_PER_STROKE;
  return { ms_per_segment: segmentMs / events, ms_per_segment_with_overlay_redraw: (segmentMs + redrawMs) / events };
}

function timeUndo(mask, history) {
  const steps = history.undoDepth;
  const t0 = performance.now();
  while (history.canUndo) history.undo(mask);
  const undoMs = (performance.now() - t0) / steps;
  const t1 = performance.now();
  while (history.canRedo) history.redo(mask);
  return { steps, ms_per_undo: undoMs, ms_per_redo: (performance.now() - t1) / steps };
}

// Best of a few runs, so the figure is not the JIT's first compile.
function timeOnce(run, repeats = 5) {
  let best = Infinity;
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best };
}

async function main() {
  const random = seededRandom(42);
  const hu = Int16Array.from({ length: SIZE * SIZE }, () => Math.round(random() * 300 - 100));
  const base = windowHU(hu, 400, 40);
  const overlay = new Uint8ClampedArray(base);
  const results = { mask: `${SIZE}x${SIZE}`, node: process.version, brush_size_px: 20 };
  let brushMask = null;

  for (const [name, options] of [
    ["brush", { size: 20 }],
    ["hu_brush", { size: 20, huRange: { hu, lo: -29, hi: 150 } }],
  ]) {
    timeStrokes(createMask(SIZE, SIZE), new History(), base, overlay, options, seededRandom(1)); // warm-up
    const mask = createMask(SIZE, SIZE);
    const history = new History();
    results[name] = timeStrokes(mask, history, base, overlay, options, random);
    results[name].history_bytes = history.bytes;
    Object.assign(results[name], timeUndo(mask, history));
    brushMask ??= mask;
  }

  const mask = brushMask; // 200 strokes, undone and redone
  const wholeSlice = { hu, lo: -100, hi: 200, value: 1 }; // every HU value is inside: a worst case
  results.region_grow_whole_slice_ms = timeOnce(() => regionGrow(createMask(SIZE, SIZE), { x: 256, y: 256 }, wholeSlice)).ms;
  results.remove_islands_ms = timeOnce(() => removeSmallIslands(cloneMask(mask), { label: 1, minPixels: 50 })).ms;
  results.full_overlay_ms = timeOnce(() => compositeOverlay(base, mask, { out: overlay })).ms;
  results.full_outline_ms = timeOnce(() => compositeOverlay(base, mask, { outline: true, out: overlay })).ms;
  results.window_ms = timeOnce(() => windowHU(hu, 400, 40, overlay)).ms;

  const png = await encodePNG(mask);
  const t0 = performance.now();
  await decodePNG(png);
  const decodeMs = performance.now() - t0;
  const t1 = performance.now();
  await encodePNG(mask);
  const encodeMs = performance.now() - t1;
  const storedBytes = (await encodePNG(mask, { compress: "stored" })).length;
  results.png = { bytes: png.length, stored_bytes: storedBytes, encode_ms: encodeMs, decode_ms: decodeMs };
  console.log(JSON.stringify(results, (key, value) => (typeof value === "number" ? Number(value.toFixed(4)) : value), 2));
}

await main();
