// Window/level: maps Hounsfield units to grey levels. Pure; no DOM.
//
// Presets (width / level, in HU):
//   soft tissue  W400  / L40   the usual abdominal window, -160..240 HU
//   muscle       W250  / L50   -75..175 HU: the muscle range used for body composition (-29..150 HU)
//                              sits on the grey ramp, fat (and IMAT, -190..-30 HU) goes dark, bone white
//   liver        W150  / L60   -15..135 HU: narrow, to see small attenuation differences in parenchyma
//   bone         W1800 / L400  -500..1300 HU
export const PRESETS = Object.freeze([
  Object.freeze({ key: "soft", label: "Soft tissue", width: 400, level: 40 }),
  Object.freeze({ key: "muscle", label: "Muscle", width: 250, level: 50 }),
  Object.freeze({ key: "liver", label: "Liver", width: 150, level: 60 }),
  Object.freeze({ key: "bone", label: "Bone", width: 1800, level: 400 }),
]);

export const HU_MIN = -32768;
export const HU_MAX = 32767;
export const WIDTH_MIN = 1;
export const WIDTH_MAX = 65536;

const LUT_SIZE = 65536; // one entry per int16 value, indexed by hu - HU_MIN
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function presetByKey(key) {
  return PRESETS.find((preset) => preset.key === key) ?? null;
}

/** The preset whose width and level equal these, or null. */
export function matchPreset(width, level) {
  return PRESETS.find((p) => p.width === width && p.level === level) ?? null;
}

/** Grey level 0..255 for one HU value: linear between level - width/2 and level + width/2. */
export function greyFor(hu, width, level) {
  const lower = level - width / 2;
  const grey = Math.round(((hu - lower) / width) * 255);
  return grey < 0 ? 0 : grey > 255 ? 255 : grey;
}

/** A Uint8Array of 65536 grey levels, one per int16 HU value (index hu + 32768). */
export function buildGreyLut(width, level) {
  const lut = new Uint8Array(LUT_SIZE);
  for (let i = 0; i < LUT_SIZE; i++) lut[i] = greyFor(i + HU_MIN, width, level);
  return lut;
}

function packGrey(grey) {
  // Opaque grey as one 32-bit word in the byte order RGBA takes in memory on this platform.
  return LITTLE_ENDIAN
    ? ((0xff << 24) | (grey << 16) | (grey << 8) | grey) >>> 0
    : ((grey << 24) | (grey << 16) | (grey << 8) | 0xff) >>> 0;
}

// Dragging rebuilds the table on every pointer move; keep the last one.
let cachedLut = { width: NaN, level: NaN, table: null };

/** A Uint32Array of 65536 packed opaque RGBA pixels for this window (cached for the last window). */
export function rgbaLut(width, level) {
  if (cachedLut.width === width && cachedLut.level === level) return cachedLut.table;
  const greys = buildGreyLut(width, level);
  const table = new Uint32Array(LUT_SIZE);
  for (let i = 0; i < LUT_SIZE; i++) table[i] = packGrey(greys[i]);
  cachedLut = { width, level, table };
  return table;
}

/**
 * Writes the windowed image into `out` (RGBA bytes, e.g. ImageData.data, 4 bytes per HU value).
 * `hu` is an Int16Array. Returns `out`.
 */
export function applyWindow(hu, width, level, out) {
  if (out.length < hu.length * 4) throw new RangeError("output buffer is smaller than 4 bytes per pixel");
  const table = rgbaLut(width, level);
  const words = new Uint32Array(out.buffer, out.byteOffset, hu.length);
  for (let i = 0; i < hu.length; i++) words[i] = table[hu[i] - HU_MIN];
  return out;
}

/** applyWindow into a new (or the given) RGBA buffer; a zero width shows a hard threshold at the level. */
export function windowHU(hu, width, level, out = new Uint8ClampedArray(hu.length * 4)) {
  return applyWindow(hu, Math.max(width, 1), level, out);
}

export function clampWindow({ width, level }) {
  return {
    width: Math.round(Math.min(WIDTH_MAX, Math.max(WIDTH_MIN, width))),
    level: Math.round(Math.min(HU_MAX, Math.max(HU_MIN, level))),
  };
}

/**
 * Free adjustment from a drag that started at window `start`: dragging right widens the window
 * (less contrast), dragging down raises the level (darker image). One screen pixel moves the window
 * by about width/256 HU, so a narrow liver window and a wide bone window both respond usefully.
 */
export function dragToWindow(start, dx, dy) {
  const huPerPixel = Math.max(1, start.width / 256);
  return clampWindow({ width: start.width + dx * huPerPixel, level: start.level + dy * huPerPixel });
}

export function describeWindow({ width, level }) {
  const preset = matchPreset(width, level);
  return `W ${width} / L ${level}${preset ? ` (${preset.label})` : ""}`;
}
