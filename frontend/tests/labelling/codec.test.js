import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { deflateSync } from "node:zlib";

import {
  adler32,
  crc32,
  decodePNG,
  encodePNG,
  zlibCompress,
  zlibDecompress,
  zlibStored,
} from "../../static/js/labelling/codec.js";
import { createMask } from "../../static/js/labelling/mask.js";
import { fillPolygon } from "../../static/js/labelling/tools.js";
import { randomMask, seededRandom } from "./helpers.js";

const asciiBytes = (text) => Uint8Array.from(text, (char) => char.charCodeAt(0));

// Builds a grayscale PNG by hand, with a chosen filter per row, to test the decoder on filters
// our encoder never writes (a server library may use any of them).
function handMadePng(width, height, filteredRows) {
  const chunk = (type, body) => {
    const out = new Uint8Array(12 + body.length);
    new DataView(out.buffer).setUint32(0, body.length);
    out.set(asciiBytes(type), 4);
    out.set(body, 8);
    new DataView(out.buffer).setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
    return out;
  };
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8);
  const parts = [Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10), chunk("IHDR", header),
    chunk("IDAT", zlibStored(filteredRows)), chunk("IEND", new Uint8Array(0))];
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

describe("checksums", () => {
  it("computes CRC-32 and Adler-32 check values", () => {
    assert.equal(crc32(asciiBytes("123456789")), 0xcbf43926);
    assert.equal(crc32(asciiBytes("IEND")), 0xae426082);
    assert.equal(adler32(asciiBytes("Wikipedia")), 0x11e60398);
    assert.equal(adler32(new Uint8Array(0)), 1);
  });

  it("keeps Adler-32 exact over long runs of 0xff", () => {
    const bytes = new Uint8Array(100000).fill(255);
    const expected = deflateSync(bytes).subarray(-4);
    assert.equal(adler32(bytes), new DataView(expected.buffer, expected.byteOffset).getUint32(0));
  });
});

describe("zlib", () => {
  it("writes stored blocks that the platform zlib reads back", async () => {
    const bytes = randomMask(400, 400, { seed: 5, values: 256 }).data; // > two 65535-byte blocks
    const stored = zlibStored(bytes);
    assert.deepEqual(await zlibDecompress(stored), bytes);
  });

  it("inflates fixed and dynamic Huffman streams from the platform compressor", async () => {
    const random = seededRandom(9);
    const text = Uint8Array.from({ length: 50000 }, (_, i) => (i % 300 < 150 ? 65 + (i % 7) : Math.floor(random() * 4)));
    for (const level of [1, 6, 9]) assert.deepEqual(await zlibDecompress(deflateSync(text, { level })), text);
    assert.deepEqual(await zlibDecompress(deflateSync(Uint8Array.of(1, 2, 3))), Uint8Array.of(1, 2, 3)); // fixed codes
    assert.deepEqual(await zlibDecompress(await zlibCompress(text)), text);
  });

  it("rejects a corrupted stream with a reason", async () => {
    const stream = deflateSync(new Uint8Array(1000).fill(7));
    stream[stream.length - 1] ^= 1; // the Adler-32 check value
    await assert.rejects(zlibDecompress(stream), /not a valid zlib stream/);
    await assert.rejects(zlibDecompress(Uint8Array.of(1, 2, 3, 4, 5, 6)), /not a valid zlib stream/);
  });
});

describe("PNG", () => {
  it("round-trips random masks of many sizes, every pixel, compressed and stored", async () => {
    const sizes = [[1, 1], [3, 7], [64, 48], [257, 31], [512, 512]];
    for (const [width, height] of sizes) {
      const mask = randomMask(width, height, { seed: width * height, values: 256 });
      for (const compress of ["auto", "stored"]) {
        const png = await encodePNG(mask, { compress });
        const decoded = await decodePNG(png, { width, height });
        assert.equal(decoded.width, width);
        assert.equal(decoded.height, height);
        assert.deepEqual(decoded.data, mask.data, `${width}x${height} ${compress}`);
      }
    }
  });

  it("keeps a realistic 512x512 label map small", async () => {
    const mask = createMask(512, 512);
    fillPolygon(mask, [{ x: 100, y: 150 }, { x: 420, y: 170 }, { x: 380, y: 400 }, { x: 120, y: 380 }], { value: 1 });
    fillPolygon(mask, [{ x: 200, y: 200 }, { x: 300, y: 200 }, { x: 260, y: 300 }], { value: 2 });
    const png = await encodePNG(mask);
    assert.ok(png.length < 8000, `${png.length} bytes`);
    assert.deepEqual((await decodePNG(png)).data, mask.data);
  });

  it("writes a valid 8-bit grayscale header", async () => {
    const png = await encodePNG(createMask(300, 200));
    const view = new DataView(png.buffer, png.byteOffset);
    assert.equal(String.fromCharCode(...png.subarray(12, 16)), "IHDR");
    assert.equal(view.getUint32(16), 300);
    assert.equal(view.getUint32(20), 200);
    assert.deepEqual([...png.subarray(24, 29)], [8, 0, 0, 0, 0]);
  });

  it("decodes a PNG written by Pillow with adaptive row filters", async () => {
    const png = new Uint8Array(await readFile(new URL("./fixtures/pillow_64x48.png", import.meta.url)));
    const expected = createMask(64, 48);
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 64; x++) {
        const inDisc = (x - 40) ** 2 + (y - 20) ** 2 <= 100;
        expected.data[y * 64 + x] = inDisc ? 2 : ((x * 7 + y * y * 3) ^ (x * y)) % 5;
      }
    }
    assert.deepEqual((await decodePNG(png)).data, expected.data);
  });

  it("reverses all five row filters, Paeth included", async () => {
    const width = 4;
    const pixels = [[10, 20, 30, 40], [15, 25, 5, 45], [200, 100, 50, 255], [1, 2, 3, 4], [9, 9, 9, 9]];
    const paethOf = (a, b, c) => {
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const rows = pixels.map((row, y) => {
      const filter = y; // row y uses filter type y: None, Sub, Up, Average, Paeth
      const up = (x) => (y > 0 ? pixels[y - 1][x] : 0);
      const left = (x) => (x > 0 ? row[x - 1] : 0);
      const upLeft = (x) => (x > 0 && y > 0 ? pixels[y - 1][x - 1] : 0);
      const predict = [() => 0, left, up, (x) => (left(x) + up(x)) >> 1, (x) => paethOf(left(x), up(x), upLeft(x))][filter];
      return [filter, ...row.map((value, x) => (value - predict(x)) & 0xff)];
    });
    const decoded = await decodePNG(handMadePng(width, pixels.length, Uint8Array.from(rows.flat())));
    assert.deepEqual([...decoded.data], pixels.flat());
  });

  it("rejects a size that does not match the image", async () => {
    const png = await encodePNG(createMask(10, 20));
    await assert.rejects(decodePNG(png, { width: 10, height: 21 }), /10x20, the image is 10x21/);
  });

  it("rejects corrupted and foreign files with a reason", async () => {
    const png = await encodePNG(randomMask(16, 16));
    const corrupted = png.slice();
    corrupted[40] ^= 0xff;
    await assert.rejects(decodePNG(corrupted), /CRC/);
    await assert.rejects(decodePNG(asciiBytes("GIF89a.....")), /not a PNG/);
    await assert.rejects(decodePNG(png.subarray(0, 30)), /truncated/);
    const rgb = handMadePng(1, 1, Uint8Array.of(0, 0));
    rgb[8 + 8 + 9] = 2; // colour type RGB; the CRC now fails first, so fix it
    new DataView(rgb.buffer).setUint32(8 + 8 + 13, crc32(rgb.subarray(12, 29)));
    await assert.rejects(decodePNG(rgb), /8-bit grayscale/);
  });
});
