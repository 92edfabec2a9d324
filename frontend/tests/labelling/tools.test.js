import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createMask, getLabel, maskFromData } from "../../static/js/labelling/mask.js";
import {
  MUSCLE_HU_RANGE,
  beginStroke,
  fillPolygon,
  floodFill,
  paintStroke,
  regionGrow,
  fillHoles,
  removeSmallIslands,
} from "../../static/js/labelling/tools.js";
import { countValue, pixelsWithValue } from "./helpers.js";

const MUSCLE = 1;
const LIVER = 2;

describe("brush", () => {
  it("paints a round dab whose area matches its diameter", () => {
    const mask = createMask(64, 64);
    const change = paintStroke(mask, [{ x: 32, y: 32 }], { size: 21, value: MUSCLE });
    const area = countValue(mask, MUSCLE);
    assert.ok(Math.abs(area - Math.PI * 10.5 ** 2) < 0.05 * area, `area ${area}`);
    assert.equal(change.changedCount, area);
    for (const { x, y } of pixelsWithValue(mask, MUSCLE)) {
      assert.ok(Math.hypot(x + 0.5 - 32, y + 0.5 - 32) <= 10.5);
    }
  });

  it("reports the dirty rectangle of what it changed", () => {
    const mask = createMask(64, 64);
    const change = paintStroke(mask, [{ x: 10.5, y: 20.5 }], { size: 5, value: MUSCLE });
    assert.deepEqual(change.rect, { x: 8, y: 18, width: 5, height: 5 });
  });

  it("paints one pixel with a size-1 brush, wherever the pointer is inside it", () => {
    for (const point of [{ x: 3.5, y: 3.5 }, { x: 3, y: 3 }, { x: 3.99, y: 3.01 }]) {
      const mask = createMask(8, 8);
      paintStroke(mask, [point], { size: 1, value: MUSCLE });
      assert.deepEqual(pixelsWithValue(mask, MUSCLE), [{ x: 3, y: 3 }], JSON.stringify(point));
    }
  });

  it("leaves no gap between pointer events far apart (a fast drag)", () => {
    const mask = createMask(200, 100);
    paintStroke(mask, [{ x: 5, y: 50 }, { x: 190, y: 10 }, { x: 20, y: 90 }], { size: 3, value: MUSCLE });
    for (let x = 6; x < 189; x++) {
      const yOnLine = 50 + ((x + 0.5 - 5) * (10 - 50)) / (190 - 5);
      assert.equal(getLabel(mask, x, Math.floor(yOnLine)), MUSCLE, `gap at x=${x}`);
    }
  });

  it("draws a straight segment as a capsule of the brush width", () => {
    const mask = createMask(100, 40);
    paintStroke(mask, [{ x: 20, y: 20 }, { x: 80, y: 20 }], { size: 10, value: MUSCLE });
    const expected = 60 * 10 + Math.PI * 5 ** 2;
    assert.ok(Math.abs(countValue(mask, MUSCLE) - expected) < 0.05 * expected);
    assert.equal(getLabel(mask, 50, 14), 0);
    assert.equal(getLabel(mask, 50, 15), MUSCLE);
    assert.equal(getLabel(mask, 50, 24), MUSCLE);
    assert.equal(getLabel(mask, 50, 25), 0);
  });

  it("clips at the image edge without throwing", () => {
    const mask = createMask(10, 10);
    const change = paintStroke(mask, [{ x: -5, y: -5 }, { x: 2, y: 2 }, { x: 50, y: 2 }], { size: 4, value: MUSCLE });
    assert.ok(change.changedCount > 0);
    assert.equal(paintStroke(mask, [{ x: 100, y: 100 }], { size: 4, value: MUSCLE }).changedCount, 0);
  });

  it("makes one change per stroke, remembering each pixel's value before the stroke", () => {
    const mask = createMask(32, 32);
    mask.data.fill(LIVER, 0, 32 * 16);
    const stroke = beginStroke(mask, { size: 6, value: MUSCLE });
    const rects = [{ x: 5, y: 15 }, { x: 6, y: 15 }, { x: 7, y: 16 }, { x: 5, y: 15 }].map((p) => stroke.add(p));
    assert.ok(rects.every((rect) => rect && rect.width > 0));
    const change = stroke.end();
    assert.equal(change.changedCount, countValue(mask, MUSCLE));
    assert.ok(change.before.includes(LIVER) && change.before.includes(0));
  });
});

describe("eraser", () => {
  it("clears every label under it and nothing outside", () => {
    const mask = createMask(40, 40);
    mask.data.fill(MUSCLE);
    const change = paintStroke(mask, [{ x: 10, y: 20 }, { x: 30, y: 20 }], { size: 8, value: 0 });
    assert.equal(change.changedCount, countValue(mask, 0));
    assert.equal(getLabel(mask, 20, 20), 0);
    assert.equal(getLabel(mask, 20, 10), MUSCLE);
  });

  it("can erase one label only", () => {
    const mask = maskFromData(4, 1, Uint8Array.of(MUSCLE, LIVER, MUSCLE, LIVER));
    paintStroke(mask, [{ x: 0, y: 0.5 }, { x: 4, y: 0.5 }], { size: 3, value: 0, onlyOver: LIVER });
    assert.deepEqual([...mask.data], [MUSCLE, 0, MUSCLE, 0]);
  });
});

describe("HU-constrained brush", () => {
  it("paints only pixels whose HU is inside the range", () => {
    const mask = createMask(32, 32);
    const hu = Int16Array.from({ length: 32 * 32 }, (_, i) => ((i % 32) < 16 ? 40 : -100));
    const huRange = { hu, ...MUSCLE_HU_RANGE };
    paintStroke(mask, [{ x: 4, y: 16 }, { x: 28, y: 16 }], { size: 12, value: MUSCLE, huRange });
    const painted = pixelsWithValue(mask, MUSCLE);
    assert.ok(painted.length > 100);
    assert.ok(painted.every(({ x }) => x < 16));
  });

  it("includes both ends of the range", () => {
    const mask = createMask(4, 1);
    const hu = Int16Array.of(-30, -29, 150, 151);
    paintStroke(mask, [{ x: 0, y: 0.5 }, { x: 4, y: 0.5 }], { size: 3, value: MUSCLE, huRange: { hu, lo: -29, hi: 150 } });
    assert.deepEqual([...mask.data], [0, MUSCLE, MUSCLE, 0]);
  });

  it("rejects an HU array of the wrong size", () => {
    const mask = createMask(4, 4);
    const huRange = { hu: new Int16Array(15), lo: 0, hi: 1 };
    assert.throws(() => paintStroke(mask, [{ x: 1, y: 1 }], { size: 2, value: 1, huRange }), /4x4/);
  });
});

describe("region grow", () => {
  // A 40x40 HU slice: a ring of muscle HU (radius 10..14) with fat inside and outside.
  function ringSlice() {
    const hu = new Int16Array(40 * 40).fill(-100);
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 40; x++) {
        const r = Math.hypot(x - 20, y - 20);
        if (r >= 10 && r <= 14) hu[y * 40 + x] = 60;
      }
    }
    return hu;
  }

  it("fills the connected HU region from the seed and stops at its edges", () => {
    const hu = ringSlice();
    const mask = createMask(40, 40);
    const change = regionGrow(mask, { x: 20, y: 8 }, { hu, ...MUSCLE_HU_RANGE, value: MUSCLE });
    const ringPixels = hu.reduce((n, v) => n + (v === 60), 0);
    assert.equal(countValue(mask, MUSCLE), ringPixels);
    assert.equal(change.changedCount, ringPixels);
    mask.data.forEach((value, index) => assert.equal(value === MUSCLE, hu[index] === 60));
  });

  it("does not cross diagonal-only contacts (4-connected)", () => {
    const hu = Int16Array.of(
      50, -100, -100,
      -100, 50, -100,
      -100, -100, 50,
    );
    const mask = createMask(3, 3);
    regionGrow(mask, { x: 0, y: 0 }, { hu, lo: 0, hi: 100, value: MUSCLE });
    assert.deepEqual([...mask.data], [1, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("changes nothing when the seed is outside the range or the image", () => {
    const hu = ringSlice();
    const mask = createMask(40, 40);
    assert.equal(regionGrow(mask, { x: 20, y: 20 }, { hu, ...MUSCLE_HU_RANGE, value: MUSCLE }).changedCount, 0);
    assert.equal(regionGrow(mask, { x: -1, y: 20 }, { hu, ...MUSCLE_HU_RANGE, value: MUSCLE }).changedCount, 0);
    assert.equal(countValue(mask, MUSCLE), 0);
  });

  it("can stay inside the seed's current label", () => {
    const hu = new Int16Array(6).fill(40);
    const mask = maskFromData(6, 1, Uint8Array.of(0, 0, LIVER, 0, 0, 0));
    regionGrow(mask, { x: 0, y: 0 }, { hu, ...MUSCLE_HU_RANGE, value: MUSCLE, sameLabelOnly: true });
    assert.deepEqual([...mask.data], [MUSCLE, MUSCLE, LIVER, 0, 0, 0]);
  });

  it("fills a whole 512x512 slice without overflowing the stack", () => {
    const hu = new Int16Array(512 * 512).fill(40);
    const mask = createMask(512, 512);
    const change = regionGrow(mask, { x: 0, y: 0 }, { hu, ...MUSCLE_HU_RANGE, value: MUSCLE });
    assert.equal(change.changedCount, 512 * 512);
  });

  it("flood fill takes the seed's same-label region", () => {
    const mask = maskFromData(5, 1, Uint8Array.of(0, 0, MUSCLE, 0, 0));
    floodFill(mask, { x: 4, y: 0 }, { value: LIVER });
    assert.deepEqual([...mask.data], [0, 0, MUSCLE, LIVER, LIVER]);
  });
});

describe("polygon and lasso", () => {
  it("fills a square exactly", () => {
    const mask = createMask(50, 50);
    const square = [{ x: 10, y: 10 }, { x: 30, y: 10 }, { x: 30, y: 30 }, { x: 10, y: 30 }];
    const change = fillPolygon(mask, square, { value: MUSCLE });
    assert.equal(countValue(mask, MUSCLE), 400);
    assert.deepEqual(change.rect, { x: 10, y: 10, width: 20, height: 20 });
  });

  it("fills a triangle with the area of the triangle", () => {
    const mask = createMask(120, 120);
    fillPolygon(mask, [{ x: 10, y: 10 }, { x: 110, y: 10 }, { x: 10, y: 110 }], { value: MUSCLE });
    const area = countValue(mask, MUSCLE);
    assert.ok(Math.abs(area - 5000) <= 100, `area ${area}`);
    assert.equal(getLabel(mask, 11, 107), MUSCLE);
    assert.equal(getLabel(mask, 107, 11), MUSCLE);
    assert.equal(getLabel(mask, 100, 100), 0);
  });

  it("uses the even-odd rule for self-intersecting lassos", () => {
    const mask = createMask(40, 40);
    // A pentagram: the central pentagon is covered twice, so even-odd leaves it empty.
    const star = [0, 2, 4, 1, 3].map((k) => {
      const angle = -Math.PI / 2 + (k * 2 * Math.PI) / 5;
      return { x: 20 + 18 * Math.cos(angle), y: 20 + 18 * Math.sin(angle) };
    });
    fillPolygon(mask, star, { value: MUSCLE });
    assert.equal(getLabel(mask, 20, 20), 0);
    assert.equal(getLabel(mask, 20, 5), MUSCLE);
  });

  it("erases inside the polygon, clipped to the image", () => {
    const mask = createMask(20, 20);
    mask.data.fill(LIVER);
    fillPolygon(mask, [{ x: -10, y: -10 }, { x: 10, y: -10 }, { x: 10, y: 10 }, { x: -10, y: 10 }], { value: 0 });
    assert.equal(countValue(mask, 0), 100);
  });

  it("ignores fewer than three points", () => {
    assert.equal(fillPolygon(createMask(5, 5), [{ x: 1, y: 1 }, { x: 3, y: 3 }], { value: 1 }).changedCount, 0);
  });
});

describe("remove small islands", () => {
  it("removes components smaller than the threshold, for one label only", () => {
    const mask = createMask(30, 30);
    fillPolygon(mask, [{ x: 2, y: 2 }, { x: 12, y: 2 }, { x: 12, y: 12 }, { x: 2, y: 12 }], { value: MUSCLE }); // 100 px
    fillPolygon(mask, [{ x: 20, y: 20 }, { x: 23, y: 20 }, { x: 23, y: 23 }, { x: 20, y: 23 }], { value: MUSCLE }); // 9 px
    mask.data[29 * 30 + 29] = MUSCLE; // 1 px
    mask.data[0] = LIVER; // 1 px of another label stays
    const change = removeSmallIslands(mask, { label: MUSCLE, minPixels: 10 });
    assert.equal(change.changedCount, 10);
    assert.equal(countValue(mask, MUSCLE), 100);
    assert.equal(mask.data[0], LIVER);
  });

  it("treats diagonal neighbours as one island by default (8-connected)", () => {
    const diagonal = () => maskFromData(3, 3, Uint8Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1));
    const eight = diagonal();
    removeSmallIslands(eight, { label: 1, minPixels: 3 });
    assert.equal(countValue(eight, 1), 3);
    const four = diagonal();
    removeSmallIslands(four, { label: 1, minPixels: 3, connectivity: 4 });
    assert.equal(countValue(four, 1), 0);
  });
});

describe("fill holes", () => {
  // A 9x9 ring of muscle around a 3x3 pocket, and a liver pixel in a second pocket.
  const ringed = () => {
    const mask = createMask(20, 12);
    for (let y = 1; y <= 9; y++) for (let x = 1; x <= 9; x++) mask.data[y * 20 + x] = MUSCLE;
    for (let y = 4; y <= 6; y++) for (let x = 4; x <= 6; x++) mask.data[y * 20 + x] = 0;
    for (let y = 2; y <= 4; y++) for (let x = 12; x <= 16; x++) mask.data[y * 20 + x] = MUSCLE;
    mask.data[3 * 20 + 13] = 0;
    mask.data[3 * 20 + 14] = LIVER;
    return mask;
  };

  it("fills a background pocket the active label encloses, in one undoable change", () => {
    const mask = ringed();
    const change = fillHoles(mask, { label: MUSCLE, maxPixels: 50 });
    assert.equal(change.changedCount, 9);
    for (let y = 4; y <= 6; y++) for (let x = 4; x <= 6; x++) assert.equal(mask.data[y * 20 + x], MUSCLE);
    assert.equal(mask.data[3 * 20 + 13], 0, "a pocket that touches another label is not a hole");
    assert.equal(mask.data[0], 0, "the background around everything is untouched");
  });

  it("leaves holes as large as the limit alone (the abdomen inside the muscle ring)", () => {
    const mask = ringed();
    assert.equal(fillHoles(mask, { label: MUSCLE, maxPixels: 9 }).changedCount, 0);
  });

  it("never fills a pocket that reaches the image's edge", () => {
    const mask = createMask(5, 5);
    mask.data.fill(MUSCLE);
    mask.data[2] = 0; // on the top edge
    assert.equal(fillHoles(mask, { label: MUSCLE, maxPixels: 50 }).changedCount, 0);
  });
});
