// Compact pixel deltas: what a tool changed, in a form history can store and replay.
//
// A tool writes through a ChangeRecorder, which remembers each pixel's value before its first write.
// recorder.finish() returns a Change, stored in whichever form is smaller:
//   { kind: 'sparse', width, height, rect, changedCount, indices: Uint32Array, before, after }
//       6 bytes per changed pixel (index + old value + new value)
//   { kind: 'rect',   width, height, rect, changedCount, before, after }
//       2 bytes per pixel of the dirty rectangle (patches before and after, row-major)
// rect is { x, y, width, height } of the changed pixels (null when nothing changed), ready for a
// partial redraw with putImageData(..., rect.x, rect.y, rect.width, rect.height).
//
// API
//   new ChangeRecorder(mask): write(index, value) -> bool, changedCount, finish() -> Change
//   applyChange(mask, change, direction)  direction 'undo' restores before, 'redo' writes after
//   changeBytes(change)                   -> bytes held by the change's arrays
//   isEmptyChange(change)

const SPARSE_BYTES_PER_PIXEL = 6;
const RECT_BYTES_PER_PIXEL = 2;

export class ChangeRecorder {
  constructor(mask) {
    this.mask = mask;
    this.touched = null; // allocated on first write: most pointer moves change nothing
    this.count = 0;
    this.indices = new Uint32Array(256); // grown by doubling; typed to keep big fills fast
    this.before = new Uint8Array(256);
    this.bounds = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  }

  get changedCount() {
    return this.count;
  }

  write(index, value) {
    const data = this.mask.data;
    const old = data[index];
    if (old === value) return false;
    this.touched ??= new Uint8Array(data.length);
    if (this.touched[index] === 0) this.rememberFirstWrite(index, old);
    data[index] = value;
    return true;
  }

  rememberFirstWrite(index, old) {
    if (this.count === this.indices.length) this.grow();
    this.touched[index] = 1;
    this.indices[this.count] = index;
    this.before[this.count] = old;
    this.count++;
    const x = index % this.mask.width;
    const y = (index - x) / this.mask.width;
    const b = this.bounds;
    if (x < b.minX) b.minX = x;
    if (x > b.maxX) b.maxX = x;
    if (y < b.minY) b.minY = y;
    if (y > b.maxY) b.maxY = y;
  }

  grow() {
    const indices = new Uint32Array(this.indices.length * 2);
    const before = new Uint8Array(this.before.length * 2);
    indices.set(this.indices);
    before.set(this.before);
    this.indices = indices;
    this.before = before;
  }

  finish() {
    const { width, height } = this.mask;
    const { indices, before } = this.withoutReverted();
    const rect = indices.length ? this.rect() : null;
    const base = { width, height, rect, changedCount: indices.length };
    const rectArea = rect ? rect.width * rect.height : 0;
    if (rectArea * RECT_BYTES_PER_PIXEL < indices.length * SPARSE_BYTES_PER_PIXEL) {
      return { ...base, kind: "rect", ...this.rectPatches(rect, indices, before) };
    }
    const after = new Uint8Array(indices.length);
    for (let k = 0; k < indices.length; k++) after[k] = this.mask.data[indices[k]];
    return { ...base, kind: "sparse", indices, before, after };
  }

  // A pixel painted then erased within one stroke is not a change.
  withoutReverted() {
    const data = this.mask.data;
    const indices = new Uint32Array(this.count);
    const before = new Uint8Array(this.count);
    let kept = 0;
    for (let k = 0; k < this.count; k++) {
      const index = this.indices[k];
      if (data[index] === this.before[k]) continue;
      indices[kept] = index;
      before[kept] = this.before[k];
      kept++;
    }
    return { indices: indices.slice(0, kept), before: before.slice(0, kept) };
  }

  rect() {
    const b = this.bounds;
    return { x: b.minX, y: b.minY, width: b.maxX - b.minX + 1, height: b.maxY - b.minY + 1 };
  }

  rectPatches(rect, indices, before) {
    const after = copyRect(this.mask, rect);
    const beforePatch = after.slice();
    for (let k = 0; k < indices.length; k++) {
      const x = indices[k] % this.mask.width;
      const y = (indices[k] - x) / this.mask.width;
      beforePatch[(y - rect.y) * rect.width + (x - rect.x)] = before[k];
    }
    return { before: beforePatch, after };
  }
}

export function applyChange(mask, change, direction) {
  if (mask.width !== change.width || mask.height !== change.height) {
    throw new RangeError("change was recorded on a mask of another size");
  }
  const values = direction === "undo" ? change.before : change.after;
  if (change.kind === "rect") pasteRect(mask, change.rect, values);
  else for (let k = 0; k < change.indices.length; k++) mask.data[change.indices[k]] = values[k];
}

export function changeBytes(change) {
  const arrays = [change.indices, change.before, change.after].filter(Boolean);
  return arrays.reduce((total, array) => total + array.byteLength, 0);
}

export function isEmptyChange(change) {
  return !change || change.changedCount === 0;
}

function copyRect(mask, rect) {
  const patch = new Uint8Array(rect.width * rect.height);
  for (let row = 0; row < rect.height; row++) {
    const start = (rect.y + row) * mask.width + rect.x;
    patch.set(mask.data.subarray(start, start + rect.width), row * rect.width);
  }
  return patch;
}

function pasteRect(mask, rect, patch) {
  for (let row = 0; row < rect.height; row++) {
    const start = row * rect.width;
    mask.data.set(patch.subarray(start, start + rect.width), (rect.y + row) * mask.width + rect.x);
  }
}
