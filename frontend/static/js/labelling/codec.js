// Lossless transport of label maps: 8-bit grayscale PNG, the format the server accepts
// (width x height must match the image). One pixel value per label value; 0 is background.
//
// API
//   encodePNG(mask, { compress = 'auto' }?) -> Promise<Uint8Array>
//       compress 'auto': zlib via CompressionStream where available, else stored (uncompressed)
//       deflate blocks; 'stored' forces the latter. Both are valid PNGs for any reader.
//   decodePNG(bytes, { width, height, labels }?) -> Promise<mask>
//       8-bit grayscale, non-interlaced, all five row filters; checks signature, chunk CRCs and,
//       when given, the expected size. Throws an Error naming what is wrong. The zlib stream goes
//       through the browser's DecompressionStream (benchmarks/png_decode.py: exact on every pixel).
//   zlibCompress(bytes, { stored }?) -> Promise<Uint8Array>, zlibStored(bytes) -> Uint8Array
//   zlibDecompress(bytes) -> Promise<Uint8Array>
//   crc32, adler32 re-exported from checksums.js

import { adler32, crc32 } from "./checksums.js";
import { DEFAULT_LABELS, maskFromData } from "./mask.js";

export { adler32, crc32 };

const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);
const GRAYSCALE = 0;
const STORED_BLOCK_MAX = 65535;

export async function encodePNG(mask, { compress = "auto" } = {}) {
  const compressed = await zlibCompress(unfilteredScanlines(mask), { stored: compress === "stored" });
  return concatBytes([
    PNG_SIGNATURE,
    pngChunk("IHDR", headerBytes(mask.width, mask.height)),
    pngChunk("IDAT", compressed),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

export async function decodePNG(bytes, expected = {}) {
  const image = readPngChunks(bytes);
  const scanlines = await zlibDecompress(image.idat);
  return maskFromScanlines(image, scanlines, expected);
}

export async function zlibCompress(bytes, { stored = false } = {}) {
  if (stored || typeof CompressionStream === "undefined") return zlibStored(bytes);
  return runThroughStream(new CompressionStream("deflate"), bytes);
}

export async function zlibDecompress(bytes) {
  try {
    return await runThroughStream(new DecompressionStream("deflate"), bytes);
  } catch (error) {
    throw new Error(`PNG image data is not a valid zlib stream (${error.message})`);
  }
}

// zlib stream of uncompressed deflate blocks: header 0x78 0x01, blocks of <= 65535 bytes, Adler-32.
export function zlibStored(bytes) {
  const blockCount = Math.max(1, Math.ceil(bytes.length / STORED_BLOCK_MAX));
  const out = new Uint8Array(2 + blockCount * 5 + bytes.length + 4);
  out.set([0x78, 0x01]);
  let position = 2;
  for (let block = 0; block < blockCount; block++) {
    const chunk = bytes.subarray(block * STORED_BLOCK_MAX, (block + 1) * STORED_BLOCK_MAX);
    const isLast = block === blockCount - 1 ? 1 : 0;
    const complement = ~chunk.length & 0xffff;
    out.set([isLast, chunk.length & 0xff, chunk.length >>> 8, complement & 0xff, complement >>> 8], position);
    out.set(chunk, position + 5);
    position += 5 + chunk.length;
  }
  writeUint32(out, position, adler32(bytes));
  return out;
}

// Filter type 0 on every row: label maps are long runs that deflate already shrinks well.
function unfilteredScanlines(mask) {
  const { width, height, data } = mask;
  const scanlines = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) scanlines.set(data.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return scanlines;
}

function headerBytes(width, height) {
  const header = new Uint8Array(13);
  writeUint32(header, 0, width);
  writeUint32(header, 4, height);
  header.set([8, GRAYSCALE, 0, 0, 0], 8); // bit depth, colour type, compression, filter, interlace
  return header;
}

function pngChunk(type, body) {
  const chunk = new Uint8Array(12 + body.length);
  writeUint32(chunk, 0, body.length);
  chunk.set(asciiBytes(type), 4);
  chunk.set(body, 8);
  writeUint32(chunk, 8 + body.length, crc32(chunk.subarray(4, 8 + body.length)));
  return chunk;
}

function readPngChunks(bytes) {
  if (!(bytes instanceof Uint8Array)) bytes = new Uint8Array(bytes);
  if (bytes.length < 8 || PNG_SIGNATURE.some((byte, k) => bytes[k] !== byte)) throw new Error("not a PNG file");
  const idatParts = [];
  let header = null;
  for (let position = 8; position < bytes.length; ) {
    const { type, body, next } = readChunk(bytes, position);
    if (type === "IHDR") header = parseHeader(body);
    else if (type === "IDAT") idatParts.push(body);
    else if (type === "IEND") break;
    position = next;
  }
  if (!header) throw new Error("PNG has no IHDR chunk");
  if (idatParts.length === 0) throw new Error("PNG has no IDAT chunk");
  return { ...header, idat: concatBytes(idatParts) };
}

function readChunk(bytes, position) {
  if (position + 12 > bytes.length) throw new Error("PNG is truncated");
  const length = readUint32(bytes, position);
  const end = position + 12 + length;
  if (end > bytes.length) throw new Error("PNG is truncated");
  const type = String.fromCharCode(...bytes.subarray(position + 4, position + 8));
  if (crc32(bytes.subarray(position + 4, end - 4)) !== readUint32(bytes, end - 4)) {
    throw new Error(`PNG chunk ${type} fails its CRC check`);
  }
  return { type, body: bytes.subarray(position + 8, end - 4), next: end };
}

function parseHeader(body) {
  const [bitDepth, colourType, , , interlace] = body.subarray(8, 13);
  if (bitDepth !== 8 || colourType !== GRAYSCALE) {
    throw new Error(`mask PNG must be 8-bit grayscale, got bit depth ${bitDepth}, colour type ${colourType}`);
  }
  if (interlace !== 0) throw new Error("interlaced mask PNGs are not supported");
  return { width: readUint32(body, 0), height: readUint32(body, 4) };
}

function maskFromScanlines({ width, height }, scanlines, expected) {
  const { width: wantWidth, height: wantHeight, labels = DEFAULT_LABELS } = expected;
  if ((wantWidth && wantWidth !== width) || (wantHeight && wantHeight !== height)) {
    throw new Error(`mask PNG is ${width}x${height}, the image is ${wantWidth}x${wantHeight}`);
  }
  if (scanlines.length < height * (width + 1)) throw new Error("PNG image data is truncated");
  return maskFromData(width, height, unfilterRows(scanlines, width, height), labels);
}

// Reverses PNG filters 0-4 for one byte per pixel (so the "left" neighbour is the previous byte).
function unfilterRows(scanlines, width, height) {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = scanlines[y * (width + 1)];
    const row = scanlines.subarray(y * (width + 1) + 1, (y + 1) * (width + 1));
    const out = y * width;
    for (let x = 0; x < width; x++) {
      const left = x > 0 ? pixels[out + x - 1] : 0;
      const up = y > 0 ? pixels[out - width + x] : 0;
      const upLeft = x > 0 && y > 0 ? pixels[out - width + x - 1] : 0;
      pixels[out + x] = row[x] + predictor(filter, left, up, upLeft);
    }
  }
  return pixels;
}

function predictor(filter, left, up, upLeft) {
  switch (filter) {
    case 0: return 0;
    case 1: return left;
    case 2: return up;
    case 3: return (left + up) >>> 1;
    case 4: return paeth(left, up, upLeft);
    default: throw new Error(`unknown PNG filter type ${filter}`);
  }
}

function paeth(left, up, upLeft) {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}

// Writes and reads concurrently: awaiting the write first would deadlock on stream back-pressure.
async function runThroughStream(stream, bytes) {
  const writer = stream.writable.getWriter();
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  const chunks = [];
  const reader = stream.readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return concatBytes(chunks);
}

function concatBytes(parts) {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let position = 0;
  for (const part of parts) {
    out.set(part, position);
    position += part.length;
  }
  return out;
}

function asciiBytes(text) {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

function writeUint32(bytes, position, value) {
  bytes[position] = value >>> 24;
  bytes[position + 1] = (value >>> 16) & 0xff;
  bytes[position + 2] = (value >>> 8) & 0xff;
  bytes[position + 3] = value & 0xff;
}

function readUint32(bytes, position) {
  const [a, b, c, d] = bytes.subarray(position, position + 4);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}
