import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createMask, maskFromData } from "../../static/js/labelling/mask.js";
import { compositeOverlay, isBoundaryPixel, parseColor, windowHU } from "../../static/js/labelling/render.js";

const grayOf = (rgba) => [...rgba].filter((_, i) => i % 4 === 0);

describe("windowing", () => {
  it("maps the window linearly onto 0..255 and clamps outside it", () => {
    const hu = Int16Array.of(-1000, -160, 0, 40, 80, 240, 3000);
    const rgba = windowHU(hu, 400, 40); // soft tissue: -160..240
    assert.deepEqual(grayOf(rgba), [0, 0, 102, 128, 153, 255, 255]);
  });

  it("writes opaque gray RGBA, four bytes per pixel", () => {
    const rgba = windowHU(Int16Array.of(100, 510), 510, 255);
    assert.ok(rgba instanceof Uint8ClampedArray);
    assert.deepEqual([...rgba], [50, 50, 50, 255, 255, 255, 255, 255]);
  });

  it("brightens as the level drops and steepens as the width narrows", () => {
    const hu = Int16Array.of(50);
    assert.ok(windowHU(hu, 400, 0)[0] > windowHU(hu, 400, 100)[0]);
    const narrow = windowHU(Int16Array.of(60), 100, 50)[0] - windowHU(Int16Array.of(40), 100, 50)[0];
    const wide = windowHU(Int16Array.of(60), 1000, 50)[0] - windowHU(Int16Array.of(40), 1000, 50)[0];
    assert.ok(narrow > wide);
  });

  it("reuses an output buffer and survives a zero width", () => {
    const out = new Uint8ClampedArray(8);
    assert.equal(windowHU(Int16Array.of(-5, 5), 0, 0, out), out);
    assert.deepEqual(grayOf(out), [0, 255]);
  });
});

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
