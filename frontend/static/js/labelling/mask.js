// Label-map buffer for the labelling canvas (pure, no DOM).
//
// A mask is a plain object { width, height, data: Uint8Array(width*height), labels }.
// Pixel (x, y) lives at data[y * width + x]; 0 is background. The label set is data:
//   [{ value: 1, name: 'muscle', color: '#e5484d' }, ...]
//
// API
//   DEFAULT_LABELS
//   createMask(width, height, labels?)            -> mask filled with 0
//   maskFromData(width, height, data, labels?)    -> mask wrapping a Uint8Array (size checked)
//   cloneMask(mask)                               -> deep copy
//   inBounds(mask, x, y), pixelIndex(mask, x, y)
//   getLabel(mask, x, y), setLabel(mask, x, y, value)
//   countLabels(mask)                             -> Map(value -> pixel count), zero counts omitted
//   countChangedPixels(a, b)                      -> number of pixels whose value differs
//   changedPixelIndices(a, b)                     -> Uint32Array of differing pixel indices
//   diceByLabel(a, b, values?)                    -> { [value]: dice } (1 when both are empty)
//   labelByValue(labels, value)                   -> label entry or undefined

export const DEFAULT_LABELS = Object.freeze([
  Object.freeze({ value: 1, name: "muscle", color: "#e5484d" }),
  Object.freeze({ value: 2, name: "liver", color: "#3e63dd" }),
]);

export function createMask(width, height, labels = DEFAULT_LABELS) {
  checkSize(width, height);
  return { width, height, data: new Uint8Array(width * height), labels };
}

export function maskFromData(width, height, data, labels = DEFAULT_LABELS) {
  checkSize(width, height);
  if (!(data instanceof Uint8Array) || data.length !== width * height) {
    throw new RangeError(`mask data must be a Uint8Array of ${width}x${height} pixels`);
  }
  return { width, height, data, labels };
}

export function cloneMask(mask) {
  return { ...mask, data: mask.data.slice() };
}

export function inBounds(mask, x, y) {
  return x >= 0 && y >= 0 && x < mask.width && y < mask.height;
}

export function pixelIndex(mask, x, y) {
  return y * mask.width + x;
}

export function getLabel(mask, x, y) {
  return inBounds(mask, x, y) ? mask.data[pixelIndex(mask, x, y)] : 0;
}

export function setLabel(mask, x, y, value) {
  if (inBounds(mask, x, y)) mask.data[pixelIndex(mask, x, y)] = value;
}

export function countLabels(mask) {
  const counts = new Uint32Array(256);
  for (const value of mask.data) counts[value] += 1;
  const result = new Map();
  counts.forEach((count, value) => {
    if (count > 0) result.set(value, count);
  });
  return result;
}

export function countChangedPixels(a, b) {
  checkSameSize(a, b);
  let changed = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) changed++;
  return changed;
}

export function changedPixelIndices(a, b) {
  checkSameSize(a, b);
  const indices = [];
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) indices.push(i);
  return Uint32Array.from(indices);
}

export function diceByLabel(a, b, values = labelValues(a, b)) {
  checkSameSize(a, b);
  const result = {};
  for (const value of values) result[value] = diceForValue(a.data, b.data, value);
  return result;
}

export function labelByValue(labels, value) {
  return labels.find((label) => label.value === value);
}

function diceForValue(first, second, value) {
  let inFirst = 0;
  let inSecond = 0;
  let inBoth = 0;
  for (let i = 0; i < first.length; i++) {
    const a = first[i] === value;
    const b = second[i] === value;
    inFirst += a;
    inSecond += b;
    inBoth += a && b;
  }
  // Two empty masks agree perfectly; reporting NaN would poison averages.
  return inFirst + inSecond === 0 ? 1 : (2 * inBoth) / (inFirst + inSecond);
}

function labelValues(a, b) {
  const values = new Set([...(a.labels ?? []), ...(b.labels ?? [])].map((label) => label.value));
  return [...values].sort((x, y) => x - y);
}

function checkSize(width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`mask size must be positive integers, got ${width}x${height}`);
  }
}

function checkSameSize(a, b) {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`mask sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
}
