import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createMask, maskFromData } from "../../static/js/labelling/mask.js";
import { compositeOverlay, isBoundaryPixel, parseColor } from "../../static/js/labelling/render.js";

const grayOf = (rgba) => [...rgba].filter((_, i) => i % 4 === 0);

describe("overlay", () => {
  const labels = [{ value: 1, name: "muscle", color: "#ff0000" }, { value: 2, name: "liver", color: "#0000ff" }];

  it("parses #rrggbb and #rgb colours", () => {
    assert.deepEqual(parseColor("#e5484d"), [229, 72, 77]);
    assert.deepEqual(parseColor("#0f0"), [0, 255, 0]);
    assert.throws(() => parseColor("red"), /colour/);
  });

  it("blends label colours with the given opacity and leaves background as the image", () => {
    const mask = maskFromData(3, 1, Uint8Array.of(0, 1, 2), labels);
    const base = new Uint8ClampedArray(12).fill(128);
    const out = compositeOverlay(base, mask, { opacity: 0.5 });
    assert.deepEqual([...out], [128, 128, 128, 255, 192, 64, 64, 255, 64, 64, 192, 255]);
    assert.equal(base[4], 128, "base untouched");
  });

  it("draws only boundary pixels in outline mode", () => {
    const mask = createMask(5, 5, labels);
    for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) mask.data[y * 5 + x] = 1;
    const base = new Uint8ClampedArray(5 * 5 * 4).fill(100);
    const out = compositeOverlay(base, mask, { outline: true });
    const red = (x, y) => out[(y * 5 + x) * 4] === 255;
    assert.ok(red(1, 1) && red(2, 1) && red(3, 3));
    assert.equal(red(2, 2), false, "interior pixel not drawn");
    assert.equal(red(0, 0), false, "background not drawn");
    assert.equal(isBoundaryPixel(mask, 2, 2), false);
  });

  it("redraws only the dirty rectangle, restoring erased pixels from the base", () => {
    const mask = maskFromData(4, 1, Uint8Array.of(1, 1, 1, 1), labels);
    const base = new Uint8ClampedArray(16).fill(0);
    const out = compositeOverlay(base, mask, { opacity: 1 });
    mask.data.fill(0);
    compositeOverlay(base, mask, { opacity: 1, rect: { x: 1, y: 0, width: 2, height: 1 }, out });
    assert.deepEqual(grayOf(out), [255, 0, 0, 255]);
  });
});
