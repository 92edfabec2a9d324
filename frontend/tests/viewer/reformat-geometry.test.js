import { test } from "node:test";
import assert from "node:assert/strict";
import { bodyColumns, fitLayout, levelAt, nearestSliceIndex, yAtZ, zAtY } from "../../static/js/viewer/reformat-geometry.js";

test("a reformat keeps its real aspect: 4 mm rows are drawn four times as tall as 1 mm columns", () => {
  const layout = fitLayout({ rows: 50, spacing: [4, 1], crop: { first: 0, last: 199 }, zTop: -100 }, 400, 800);
  assert.equal(layout.scale, 2); // 200 mm wide into 400 px; 200 mm tall fits 800 px too
  assert.equal(layout.heightPx, 400);
  assert.equal(layout.y, 200);
});

test("a short series is stretched down the body to be usable, and says by how much; at most 8 times", () => {
  // 20 slices of 2 mm (40 mm) across a 400 mm body, into 400 x 400 px: 40 px tall at its real aspect
  const short = fitLayout({ rows: 20, spacing: [2, 1], crop: { first: 0, last: 399 }, zTop: 0 }, 400, 400);
  assert.equal(short.scale, 1);
  assert.equal(short.stretch, 4); // to 40 % of the box: 160 px
  assert.equal(short.heightPx, 160);
  assert.equal(zAtY(short, yAtZ(short, -13)), -13, "clicks still land on the right z");
  const tiny = fitLayout({ rows: 2, spacing: [2, 1], crop: { first: 0, last: 399 }, zTop: 0 }, 400, 400);
  assert.equal(tiny.stretch, 8);
  const tall = fitLayout({ rows: 100, spacing: [4, 1], crop: { first: 0, last: 199 }, zTop: 0 }, 400, 800);
  assert.equal(tall.stretch, 1, "a long series keeps its real aspect");
});

test("screen y and patient z map both ways, through the centre of each row", () => {
  const layout = fitLayout({ rows: 10, spacing: [5, 1], crop: { first: 0, last: 49 }, zTop: 0 }, 100, 100);
  assert.equal(yAtZ(layout, 0), 5); // row 0 spans 0..10 px
  assert.equal(zAtY(layout, yAtZ(layout, -23)), -23);
  assert.equal(zAtY(layout, layout.y + layout.heightPx + 1), null, "below the image");
});

test("a click goes to the slice nearest its z, skipping slices without a position", () => {
  const images = [{ slice_location: null }, { slice_location: -10 }, { slice_location: -14 }, { slice_location: -18 }];
  assert.equal(nearestSliceIndex(images, -15), 2);
  assert.equal(nearestSliceIndex([{ slice_location: null }], 0), -1);
});

test("the level under the cursor is a vertebra, a disc between two, or nothing", () => {
  const levels = [
    { name: "T12", superior_mm: null, inferior_mm: -30 },
    { name: "L1", superior_mm: -36, inferior_mm: -64 },
  ];
  assert.equal(levelAt(levels, 0), "T12", "cut by the series' top edge: reaches up to it");
  assert.equal(levelAt(levels, -33), "T12/L1");
  assert.equal(levelAt(levels, -50), "L1");
  assert.equal(levelAt(levels, -90), "");
});

test("the body's columns are found with a margin; an empty image keeps every column", () => {
  const hu = new Int16Array(4 * 10).fill(-1000);
  hu[1 * 10 + 4] = 40;
  hu[2 * 10 + 6] = 40;
  assert.deepEqual(bodyColumns(hu, 4, 10, { margin: 1 }), { first: 3, last: 7 });
  assert.deepEqual(bodyColumns(new Int16Array(40).fill(-1000), 4, 10), { first: 0, last: 9 });
});
