// Checksums used by PNG and zlib, in plain JS.
//
// API
//   crc32(bytes, previous = 0) -> unsigned 32-bit CRC (PNG chunks; pass previous to continue a run)
//   adler32(bytes)             -> unsigned 32-bit Adler-32 (zlib trailer)

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes, previous = 0) {
  let crc = ~previous;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

// 5552 is the most bytes that can be summed before the 32-bit sums could lose precision (zlib's NMAX).
const ADLER_MODULUS = 65521;
const ADLER_CHUNK = 5552;

export function adler32(bytes) {
  let a = 1;
  let b = 0;
  for (let start = 0; start < bytes.length; start += ADLER_CHUNK) {
    const end = Math.min(start + ADLER_CHUNK, bytes.length);
    for (let i = start; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= ADLER_MODULUS;
    b %= ADLER_MODULUS;
  }
  return ((b << 16) | a) >>> 0;
}
