import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  changedPixelIndices,
  cloneMask,
  countChangedPixels,
  countLabels,
  createMask,
  diceByLabel,
  getLabel,
  labelByValue,
  maskFromData,
  setLabel,
} from "../../static/js/labelling/mask.js";

describe("mask buffer", () => {
  it("starts as background and carries its size and label set", () => {
    const mask = createMask(4, 3);
    assert.equal(mask.data.length, 12);
    assert.deepEqual([...mask.data], new Array(12).fill(0));
    assert.equal(labelByValue(mask.labels, 1).name, "muscle");
  });

  it("rejects data that does not match the size", () => {
    assert.throws(() => maskFromData(4, 3, new Uint8Array(11)), /4x3/);
    assert.throws(() => createMask(0, 3), RangeError);
  });

  it("gets and sets pixels by x and y, ignoring out-of-bounds writes", () => {
    const mask = createMask(4, 3);
    setLabel(mask, 3, 2, 2);
    setLabel(mask, 4, 0, 1);
    assert.equal(getLabel(mask, 3, 2), 2);
    assert.equal(mask.data[11], 2);
    assert.equal(getLabel(mask, 4, 0), 0);
    assert.equal(countChangedPixels(mask, createMask(4, 3)), 1);
  });

  it("counts pixels per label", () => {
    const mask = maskFromData(3, 2, Uint8Array.of(0, 1, 1, 2, 1, 0));
    assert.deepEqual(countLabels(mask), new Map([[0, 2], [1, 3], [2, 1]]));
  });

  it("lists changed pixels between two masks and clones independently", () => {
    const before = maskFromData(3, 2, Uint8Array.of(0, 1, 1, 2, 1, 0));
    const after = cloneMask(before);
    after.data[0] = 1;
    after.data[5] = 2;
    assert.deepEqual([...changedPixelIndices(before, after)], [0, 5]);
    assert.equal(before.data[0], 0);
  });

  it("computes Dice per label, and 1 for a label absent from both", () => {
    const a = maskFromData(4, 1, Uint8Array.of(1, 1, 0, 0));
    const b = maskFromData(4, 1, Uint8Array.of(1, 0, 0, 0));
    assert.deepEqual(diceByLabel(a, b), { 1: 2 / 3, 2: 1 });
  });

  it("refuses to compare masks of different sizes", () => {
    assert.throws(() => countChangedPixels(createMask(2, 2), createMask(2, 3)), /sizes differ/);
  });
});
