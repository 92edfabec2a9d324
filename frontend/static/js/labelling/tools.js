// Editing tools on a mask (see mask.js); pure functions, no DOM. Coordinates are image pixels,
// continuous: pixel (x, y) covers [x, x+1) x [y, y+1) and its centre is (x + 0.5, y + 0.5).
// Every tool returns a Change (delta.js): its rect is the dirty rectangle, and it is what history stores.
//
// Paint options, shared by brush, eraser, HU brush and polygon:
//   value       label written (0 erases)
//   onlyOver    optional: change only pixels currently holding this value (erase one label only,
//               or paint only background with onlyOver: 0)
//   huRange     optional { hu: Int16Array, lo, hi }: change only pixels whose HU is inside [lo, hi]
//
// API
//   MUSCLE_HU_RANGE                         { lo: -29, hi: 150 }
//   beginStroke(mask, { size, ...paint })   -> { add(point) -> rect | null, end() -> Change }
//       one undo step per stroke; consecutive points are joined by a round-capped capsule, so fast
//       drags leave no gaps. size is the brush diameter in image pixels.
//   paintStroke(mask, points, options)      -> Change   (the same, in one call)
//   paintSegment(recorder, from, to, options) -> rect | null
//   regionGrow(mask, seed, { hu, lo, hi, value, connectivity = 4, sameLabelOnly = false }) -> Change
//   floodFill(mask, seed, { value, connectivity = 4 })  -> Change  (the seed's same-label region)
//   fillPolygon(mask, points, paint)        -> Change   (even-odd rule, pixel centres, lasso too)
//   removeSmallIslands(mask, { label, minPixels, connectivity = 8 }) -> Change
//   fillHoles(mask, { label, maxPixels })   -> Change  (background pockets under maxPixels enclosed by the label)
//   collectRegion(mask, seedIndex, accepts, { connectivity, visited, queue }?) -> Int32Array of indices

import { ChangeRecorder } from "./delta.js";

export const MUSCLE_HU_RANGE = Object.freeze({ lo: -29, hi: 150 });

export function beginStroke(mask, options) {
  const recorder = new ChangeRecorder(mask);
  let last = null;
  return {
    add(point) {
      const from = last ?? point;
      last = point;
      return paintSegment(recorder, from, point, options);
    },
    end: () => recorder.finish(),
  };
}

export function paintStroke(mask, points, options) {
  const stroke = beginStroke(mask, options);
  points.forEach((point) => stroke.add(point));
  return stroke.end();
}

export function paintSegment(recorder, from, to, options) {
  const mask = recorder.mask;
  const radius = Math.max(options.size, 1) / 2;
  const rect = clipRect(mask, capsuleBounds(from, to, radius));
  if (!rect) return null;
  const guard = makeGuard(mask, options);
  paintCapsule(recorder, rect, from, to, radius, (index) => guardedWrite(recorder, guard, index, options.value));
  // The pixels under the pointer are always painted, so a size-1 brush at a pixel corner still marks.
  for (const point of [from, to]) {
    const x = Math.floor(point.x);
    const y = Math.floor(point.y);
    if (x >= 0 && y >= 0 && x < mask.width && y < mask.height) {
      guardedWrite(recorder, guard, y * mask.width + x, options.value);
    }
  }
  return rect;
}

export function regionGrow(mask, seed, { hu, lo, hi, value, connectivity = 4, sameLabelOnly = false }) {
  checkHu(mask, hu);
  const seedIndex = seedPixelIndex(mask, seed);
  const recorder = new ChangeRecorder(mask);
  if (seedIndex === null) return recorder.finish();
  const seedLabel = mask.data[seedIndex];
  const accepts = (index) =>
    hu[index] >= lo && hu[index] <= hi && (!sameLabelOnly || mask.data[index] === seedLabel);
  const region = collectRegion(mask, seedIndex, accepts, { connectivity });
  region.forEach((index) => recorder.write(index, value));
  return recorder.finish();
}

export function floodFill(mask, seed, { value, connectivity = 4 }) {
  const seedIndex = seedPixelIndex(mask, seed);
  const recorder = new ChangeRecorder(mask);
  if (seedIndex === null) return recorder.finish();
  const seedLabel = mask.data[seedIndex];
  const region = collectRegion(mask, seedIndex, (index) => mask.data[index] === seedLabel, { connectivity });
  region.forEach((index) => recorder.write(index, value));
  return recorder.finish();
}

export function fillPolygon(mask, points, options) {
  const recorder = new ChangeRecorder(mask);
  if (points.length < 3) return recorder.finish();
  const guard = makeGuard(mask, options);
  const rows = clipRect(mask, pointsBounds(points));
  if (!rows) return recorder.finish();
  for (let y = rows.y; y < rows.y + rows.height; y++) {
    const crossings = scanlineCrossings(points, y + 0.5);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const xStart = Math.max(0, Math.ceil(crossings[k] - 0.5));
      const xEnd = Math.min(mask.width - 1, Math.ceil(crossings[k + 1] - 0.5) - 1);
      for (let x = xStart; x <= xEnd; x++) guardedWrite(recorder, guard, y * mask.width + x, options.value);
    }
  }
  return recorder.finish();
}

export function removeSmallIslands(mask, { label, minPixels, connectivity = 8 }) {
  const recorder = new ChangeRecorder(mask);
  const visited = new Uint8Array(mask.data.length);
  const queue = new Int32Array(mask.data.length);
  const isLabel = (index) => mask.data[index] === label;
  for (let index = 0; index < mask.data.length; index++) {
    if (visited[index] || !isLabel(index)) continue;
    const island = collectRegion(mask, index, isLabel, { connectivity, visited, queue });
    if (island.length < minPixels) island.forEach((pixel) => recorder.write(pixel, 0));
  }
  return recorder.finish();
}

// A hole is a 4-connected pocket of background that touches neither the image's edge nor another label: only the
// active label around it. maxPixels keeps the abdominal cavity, which the muscle ring also encloses, unfilled.
export function fillHoles(mask, { label, maxPixels }) {
  const recorder = new ChangeRecorder(mask);
  const visited = new Uint8Array(mask.data.length);
  const queue = new Int32Array(mask.data.length);
  const isBackground = (index) => mask.data[index] === 0;
  for (let index = 0; index < mask.data.length; index++) {
    if (visited[index] || !isBackground(index)) continue;
    const pocket = collectRegion(mask, index, isBackground, { connectivity: 4, visited, queue });
    if (pocket.length < maxPixels && enclosedBy(mask, pocket, label)) pocket.forEach((pixel) => recorder.write(pixel, label));
  }
  return recorder.finish();
}

function enclosedBy(mask, pocket, label) {
  const { width, height, data } = mask;
  for (const index of pocket) {
    const x = index % width;
    const y = (index - x) / width;
    if (x === 0 || y === 0 || x === width - 1 || y === height - 1) return false;
    for (const neighbour of [index - 1, index + 1, index - width, index + width]) {
      if (data[neighbour] !== 0 && data[neighbour] !== label) return false;
    }
  }
  return true;
}

// Iterative breadth-first search over a typed queue (no recursion: a 512x512 region would overflow
// the call stack). Each pixel is queued at most once, and the queue's filled part is the region.
// Callers visiting many regions pass one visited map and one queue (the result is a view of it).
export function collectRegion(mask, seedIndex, accepts, { connectivity = 4, visited = null, queue = null } = {}) {
  const { width, height } = mask;
  visited ??= new Uint8Array(width * height);
  if (visited[seedIndex] || !accepts(seedIndex)) return new Int32Array(0);
  queue ??= new Int32Array(width * height);
  const offsets = connectivity === 8 ? NEIGHBOURS_8 : NEIGHBOURS_4;
  let head = 0;
  let tail = 0;
  visited[seedIndex] = 1;
  queue[tail++] = seedIndex;
  while (head < tail) {
    const index = queue[head++];
    const x = index % width;
    const y = (index - x) / width;
    for (let k = 0; k < offsets.length; k += 2) {
      const nx = x + offsets[k];
      const ny = y + offsets[k + 1];
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      const neighbour = ny * width + nx;
      if (visited[neighbour]) continue;
      visited[neighbour] = 1;
      if (accepts(neighbour)) queue[tail++] = neighbour;
    }
  }
  return queue.subarray(0, tail);
}

// Flat (dx, dy) pairs.
const NEIGHBOURS_4 = [1, 0, -1, 0, 0, 1, 0, -1];
const NEIGHBOURS_8 = [...NEIGHBOURS_4, 1, 1, 1, -1, -1, 1, -1, -1];

function paintCapsule(recorder, rect, from, to, radius, writeIndex) {
  const width = recorder.mask.width;
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const lengthSquared = dx * dx + dy * dy;
  const radiusSquared = radius * radius;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    const py = y + 0.5 - from.y;
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const px = x + 0.5 - from.x;
      let t = lengthSquared > 0 ? (px * dx + py * dy) / lengthSquared : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - t * dx;
      const ey = py - t * dy;
      if (ex * ex + ey * ey <= radiusSquared) writeIndex(y * width + x);
    }
  }
}

function guardedWrite(recorder, guard, index, value) {
  if (guard === null || guard(index)) recorder.write(index, value);
}

// Returns null when every pixel may be written, so the common brush path skips a call per pixel.
function makeGuard(mask, { onlyOver, huRange }) {
  const checks = [];
  if (onlyOver !== undefined && onlyOver !== null) checks.push((index) => mask.data[index] === onlyOver);
  if (huRange) {
    checkHu(mask, huRange.hu);
    const { hu, lo, hi } = huRange;
    checks.push((index) => hu[index] >= lo && hu[index] <= hi);
  }
  if (checks.length === 0) return null;
  return checks.length === 1 ? checks[0] : (index) => checks.every((check) => check(index));
}

// Even-odd rule with half-open edges, so a vertex on the scanline is counted once.
function scanlineCrossings(points, yCentre) {
  const crossings = [];
  for (let k = 0; k < points.length; k++) {
    const p = points[k];
    const q = points[(k + 1) % points.length];
    if (p.y <= yCentre !== q.y <= yCentre) {
      crossings.push(p.x + ((yCentre - p.y) * (q.x - p.x)) / (q.y - p.y));
    }
  }
  return crossings.sort((a, b) => a - b);
}

function capsuleBounds(from, to, radius) {
  return {
    minX: Math.min(from.x, to.x) - radius,
    minY: Math.min(from.y, to.y) - radius,
    maxX: Math.max(from.x, to.x) + radius,
    maxY: Math.max(from.y, to.y) + radius,
  };
}

function pointsBounds(points) {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  return { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
}

// Pixel rectangle covering continuous bounds, clipped to the mask; null when entirely outside.
function clipRect(mask, bounds) {
  const x0 = Math.max(0, Math.floor(bounds.minX));
  const y0 = Math.max(0, Math.floor(bounds.minY));
  const x1 = Math.min(mask.width - 1, Math.floor(bounds.maxX));
  const y1 = Math.min(mask.height - 1, Math.floor(bounds.maxY));
  if (x1 < x0 || y1 < y0) return null;
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

function seedPixelIndex(mask, seed) {
  const x = Math.floor(seed.x);
  const y = Math.floor(seed.y);
  if (x < 0 || y < 0 || x >= mask.width || y >= mask.height) return null;
  return y * mask.width + x;
}

function checkHu(mask, hu) {
  if (!hu || hu.length !== mask.width * mask.height) {
    throw new RangeError(`HU array must hold ${mask.width}x${mask.height} values`);
  }
}
