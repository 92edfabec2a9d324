import { test } from "node:test";
import assert from "node:assert/strict";
import { KEEP_VISIBLE, MAX_SCALE, aspectFromSpacing, clampViewport, fitViewport, imageToScreen, pan, pixelAt, screenToImage, wheelSliceSteps, wheelZoomFactor, zoomAt } from "../../static/js/core/viewport.js";

const image = { rows: 512, columns: 512 };
const close = (actual, expected, message) => assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ""} ${actual} != ${expected}`);

test("fitting centres the whole image in a wide canvas", () => {
  const vp = fitViewport(image, { width: 1000, height: 512 });
  assert.equal(vp.scale, 1);
  assert.equal(vp.x, 244);
  assert.equal(vp.y, 0);
});

test("fitting a non-square-pixel image keeps its physical shape", () => {
  const aspect = aspectFromSpacing([1.0, 0.5]);
  assert.equal(aspect, 2);
  const vp = fitViewport({ rows: 100, columns: 200 }, { width: 400, height: 400 }, aspect);
  assert.equal(vp.scale, 2);
  assert.deepEqual(imageToScreen(vp, { x: 200, y: 100 }), { x: 400, y: 400 });
});

test("a missing or broken pixel spacing means square pixels", () => {
  assert.equal(aspectFromSpacing(null), 1);
  assert.equal(aspectFromSpacing([0, 0.7]), 1);
});

test("screen and image coordinates are inverse transforms", () => {
  const vp = { scale: 1.7, aspect: 1.25, x: -30, y: 42 };
  const point = { x: 123.4, y: 301.9 };
  const round = screenToImage(vp, imageToScreen(vp, point));
  close(round.x, point.x);
  close(round.y, point.y);
});

test("zooming keeps the image point under the cursor in place", () => {
  const vp = fitViewport(image, { width: 800, height: 600 });
  const anchor = { x: 300, y: 250 };
  const before = screenToImage(vp, anchor);
  const zoomed = zoomAt(vp, 2.5, anchor);
  close(zoomed.scale, vp.scale * 2.5);
  const after = screenToImage(zoomed, anchor);
  close(after.x, before.x, "x");
  close(after.y, before.y, "y");
});

test("zoom stops at the maximum scale and still keeps the anchor", () => {
  const vp = { scale: 30, aspect: 1, x: 0, y: 0 };
  const anchor = { x: 100, y: 100 };
  const zoomed = zoomAt(vp, 10, anchor);
  assert.equal(zoomed.scale, MAX_SCALE);
  const p = screenToImage(zoomed, anchor);
  close(p.x, 100 / 30);
});

test("one wheel notch up zooms in and one down zooms out by the same factor", () => {
  assert.ok(wheelZoomFactor(-100) > 1);
  close(wheelZoomFactor(-100) * wheelZoomFactor(100), 1);
});

test("panning moves the image by the drag", () => {
  assert.deepEqual(pan({ scale: 1, aspect: 1, x: 5, y: 6 }, 10, -20), { scale: 1, aspect: 1, x: 15, y: -14 });
});

test("panning cannot push the image off the canvas", () => {
  const canvas = { width: 800, height: 600 };
  const far = clampViewport({ scale: 1, aspect: 1, x: 5000, y: -5000 }, image, canvas);
  assert.equal(far.x, canvas.width - KEEP_VISIBLE);
  assert.equal(far.y, KEEP_VISIBLE - 512);
  const inside = { scale: 1, aspect: 1, x: 100, y: 50 };
  assert.deepEqual(clampViewport(inside, image, canvas), inside);
});

test("the pixel under the cursor is found, and nothing off the image", () => {
  const vp = { scale: 2, aspect: 1, x: 10, y: 20 };
  assert.deepEqual(pixelAt(vp, image, { x: 10, y: 20 }), { col: 0, row: 0 });
  assert.deepEqual(pixelAt(vp, image, { x: 13.9, y: 25 }), { col: 1, row: 2 });
  assert.equal(pixelAt(vp, image, { x: 9, y: 20 }), null);
  assert.equal(pixelAt(vp, image, { x: 10 + 1024, y: 20 }), null);
});

test("one mouse-wheel notch moves one slice, whatever the notch size", () => {
  assert.deepEqual(wheelSliceSteps(100, 0), { steps: 1, remainder: 0 });
  assert.deepEqual(wheelSliceSteps(-120, 0), { steps: -1, remainder: 0 });
  assert.deepEqual(wheelSliceSteps(300, 0), { steps: 3, remainder: 0 });
  assert.deepEqual(wheelSliceSteps(-3, 1), { steps: -1, remainder: 0 }, "line mode");
});

test("small trackpad deltas add up to a slice", () => {
  let state = { steps: 0, remainder: 0 };
  let moved = 0;
  for (let i = 0; i < 12; i++) {
    state = wheelSliceSteps(10, 0, state.remainder);
    moved += state.steps;
  }
  assert.equal(moved, 2);
  assert.equal(state.remainder, 0);
});
