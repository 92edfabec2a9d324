// A small, dependency-free zlib/DEFLATE decoder (RFC 1950/1951): stored, fixed and dynamic Huffman
// blocks. It is the fallback where the browser has no DecompressionStream, and lets tests check that
// codec.js writes valid zlib streams without relying on the platform's decoder.
//
// API
//   inflateZlib(bytes, sizeHint?) -> Uint8Array   (checks header and Adler-32; throws on bad data)
//   inflateRaw(bytes, sizeHint?)  -> { output: Uint8Array, bytesRead }

import { adler32 } from "./checksums.js";

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
  163, 195, 227, 258,
];
const LENGTH_EXTRA = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
  3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

export function inflateZlib(bytes, sizeHint = 0) {
  if (bytes.length < 6) throw new Error("zlib stream is truncated");
  const [cmf, flg] = bytes;
  if ((cmf & 0x0f) !== 8 || (cmf * 256 + flg) % 31 !== 0) throw new Error("not a zlib deflate stream");
  if (flg & 0x20) throw new Error("zlib preset dictionaries are not supported");
  const { output, bytesRead } = inflateRaw(bytes.subarray(2), sizeHint);
  const trailer = bytes.subarray(2 + bytesRead, 2 + bytesRead + 4);
  if (trailer.length < 4) throw new Error("zlib stream is missing its Adler-32");
  const expected = ((trailer[0] << 24) | (trailer[1] << 16) | (trailer[2] << 8) | trailer[3]) >>> 0;
  if (adler32(output) !== expected) throw new Error("zlib Adler-32 mismatch");
  return output;
}

export function inflateRaw(bytes, sizeHint = 0) {
  const reader = new BitReader(bytes);
  const out = new OutputBuffer(sizeHint || bytes.length * 4);
  let last = 0;
  while (!last) {
    last = reader.bits(1);
    const type = reader.bits(2);
    if (type === 0) copyStoredBlock(reader, out);
    else if (type === 1) inflateBlock(reader, out, FIXED.literals, FIXED.distances);
    else if (type === 2) inflateBlock(reader, out, ...readDynamicTables(reader));
    else throw new Error("invalid deflate block type");
  }
  return { output: out.result(), bytesRead: reader.alignedPosition() };
}

class BitReader {
  constructor(bytes) {
    this.bytes = bytes;
    this.position = 0;
    this.bitBuffer = 0;
    this.bitCount = 0;
  }

  bit() {
    if (this.bitCount === 0) {
      if (this.position >= this.bytes.length) throw new Error("deflate stream is truncated");
      this.bitBuffer = this.bytes[this.position++];
      this.bitCount = 8;
    }
    const bit = this.bitBuffer & 1;
    this.bitBuffer >>= 1;
    this.bitCount--;
    return bit;
  }

  bits(count) {
    let value = 0;
    for (let k = 0; k < count; k++) value |= this.bit() << k;
    return value;
  }

  // Drops the rest of the current byte; returns the index of the next whole byte.
  alignedPosition() {
    this.bitCount = 0;
    return this.position;
  }
}

class OutputBuffer {
  constructor(capacity) {
    this.bytes = new Uint8Array(Math.max(capacity, 1024));
    this.length = 0;
  }

  reserve(extra) {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  push(byte) {
    this.reserve(1);
    this.bytes[this.length++] = byte;
  }

  copyBack(distance, length) {
    if (distance > this.length) throw new Error("deflate distance reaches before the output");
    this.reserve(length);
    // Byte by byte on purpose: a match may overlap the bytes it is producing.
    for (let k = 0; k < length; k++, this.length++) this.bytes[this.length] = this.bytes[this.length - distance];
  }

  result() {
    return this.bytes.slice(0, this.length);
  }
}

// Canonical Huffman table as counts per code length and symbols in code order (as in zlib's puff.c).
function buildTable(lengths) {
  const counts = new Uint16Array(16);
  for (const length of lengths) counts[length]++;
  counts[0] = 0;
  const offsets = new Uint16Array(16);
  for (let length = 1; length < 16; length++) offsets[length] = offsets[length - 1] + counts[length - 1];
  const symbols = new Uint16Array(lengths.length);
  lengths.forEach((length, symbol) => {
    if (length) symbols[offsets[length]++] = symbol;
  });
  return { counts, symbols };
}

function decodeSymbol(reader, table) {
  let code = 0;
  let first = 0;
  let index = 0;
  for (let length = 1; length < 16; length++) {
    code |= reader.bit();
    const count = table.counts[length];
    if (code - first < count) return table.symbols[index + code - first];
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  throw new Error("invalid Huffman code");
}

function copyStoredBlock(reader, out) {
  let position = reader.alignedPosition();
  const bytes = reader.bytes;
  if (position + 4 > bytes.length) throw new Error("deflate stream is truncated");
  const length = bytes[position] | (bytes[position + 1] << 8);
  const complement = bytes[position + 2] | (bytes[position + 3] << 8);
  if ((length ^ 0xffff) !== complement) throw new Error("stored block length check failed");
  position += 4;
  if (position + length > bytes.length) throw new Error("deflate stream is truncated");
  out.reserve(length);
  out.bytes.set(bytes.subarray(position, position + length), out.length);
  out.length += length;
  reader.position = position + length;
}

function inflateBlock(reader, out, literals, distances) {
  for (;;) {
    const symbol = decodeSymbol(reader, literals);
    if (symbol < 256) out.push(symbol);
    else if (symbol === 256) return;
    else {
      const lengthCode = symbol - 257;
      if (lengthCode >= LENGTH_BASE.length) throw new Error("invalid deflate length code");
      const length = LENGTH_BASE[lengthCode] + reader.bits(LENGTH_EXTRA[lengthCode]);
      const distanceCode = decodeSymbol(reader, distances);
      if (distanceCode >= DIST_BASE.length) throw new Error("invalid deflate distance code");
      out.copyBack(DIST_BASE[distanceCode] + reader.bits(DIST_EXTRA[distanceCode]), length);
    }
  }
}

function readDynamicTables(reader) {
  const literalCount = reader.bits(5) + 257;
  const distanceCount = reader.bits(5) + 1;
  const codeLengthCount = reader.bits(4) + 4;
  const codeLengthLengths = new Uint8Array(19);
  for (let k = 0; k < codeLengthCount; k++) codeLengthLengths[CODE_LENGTH_ORDER[k]] = reader.bits(3);
  const codeLengthTable = buildTable(codeLengthLengths);
  const lengths = readCodeLengths(reader, codeLengthTable, literalCount + distanceCount);
  return [buildTable(lengths.subarray(0, literalCount)), buildTable(lengths.subarray(literalCount))];
}

function readCodeLengths(reader, table, total) {
  const lengths = new Uint8Array(total);
  let filled = 0;
  while (filled < total) {
    const symbol = decodeSymbol(reader, table);
    if (symbol < 16) {
      lengths[filled++] = symbol;
      continue;
    }
    if (symbol === 16 && filled === 0) throw new Error("deflate repeat with no previous length");
    const value = symbol === 16 ? lengths[filled - 1] : 0;
    const repeat = symbol === 16 ? 3 + reader.bits(2) : symbol === 17 ? 3 + reader.bits(3) : 11 + reader.bits(7);
    if (filled + repeat > total) throw new Error("deflate code lengths overflow");
    lengths.fill(value, filled, filled + repeat);
    filled += repeat;
  }
  return lengths;
}

const FIXED = (() => {
  const literalLengths = new Uint8Array(288);
  literalLengths.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  return { literals: buildTable(literalLengths), distances: buildTable(new Uint8Array(30).fill(5)) };
})();
