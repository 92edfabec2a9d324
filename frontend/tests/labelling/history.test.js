import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { applyChange, changeBytes, ChangeRecorder } from "../../static/js/labelling/delta.js";
import { History } from "../../static/js/labelling/history.js";
import { cloneMask, createMask } from "../../static/js/labelling/mask.js";
import { fillPolygon, paintStroke, regionGrow, removeSmallIslands } from "../../static/js/labelling/tools.js";
import { randomMask, seededRandom } from "./helpers.js";

// One random edit with a random tool, as a labeller might make; returns its Change.
function randomEdit(mask, hu, random) {
  const point = () => ({ x: random() * mask.width, y: random() * mask.height });
  const value = Math.floor(random() * 3);
  const tool = Math.floor(random() * 5);
  if (tool === 0) return paintStroke(mask, [point(), point(), point()], { size: 1 + random() * 20, value });
  if (tool === 1) return paintStroke(mask, [point(), point()], { size: 8, value, huRange: { hu, lo: -29, hi: 150 } });
  if (tool === 2) return fillPolygon(mask, [point(), point(), point(), point()], { value });
  if (tool === 3) return regionGrow(mask, point(), { hu, lo: 0, hi: 100, value });
  return removeSmallIslands(mask, { label: 1, minPixels: 20 });
}

function randomHu(size, random) {
  return Int16Array.from({ length: size }, () => Math.round(random() * 400 - 200));
}

describe("history", () => {
  it("undoes and redoes hundreds of edits, restoring every pixel at every step", () => {
    const random = seededRandom(7);
    const mask = randomMask(96, 80, { seed: 3 });
    const hu = randomHu(96 * 80, random);
    const history = new History();
    const snapshots = [mask.data.slice()];
    for (let step = 0; step < 400; step++) {
      const change = randomEdit(mask, hu, random);
      history.push(change);
      if (change.changedCount > 0) snapshots.push(mask.data.slice());
    }
    assert.equal(history.undoDepth, snapshots.length - 1);
    for (let k = snapshots.length - 2; k >= 0; k--) {
      history.undo(mask);
      assert.deepEqual(mask.data, snapshots[k], `after undo to step ${k}`);
    }
    assert.equal(history.undo(mask), null);
    for (let k = 1; k < snapshots.length; k++) {
      history.redo(mask);
      assert.deepEqual(mask.data, snapshots[k], `after redo to step ${k}`);
    }
    assert.equal(history.redo(mask), null);
  });

  it("stores both sparse and dirty-rectangle deltas, whichever is smaller", () => {
    const mask = createMask(100, 100);
    const thinDiagonal = paintStroke(mask, [{ x: 0, y: 0 }, { x: 99, y: 99 }], { size: 1, value: 1 });
    const square = [{ x: 50, y: 0 }, { x: 90, y: 0 }, { x: 90, y: 40 }, { x: 50, y: 40 }];
    const solidSquare = fillPolygon(mask, square, { value: 2 });
    assert.equal(thinDiagonal.kind, "sparse");
    assert.equal(changeBytes(thinDiagonal), thinDiagonal.changedCount * 6);
    assert.equal(solidSquare.kind, "rect");
    assert.equal(changeBytes(solidSquare), 40 * 40 * 2);
  });

  it("clears redo when a new edit is made", () => {
    const mask = createMask(20, 20);
    const history = new History();
    history.push(paintStroke(mask, [{ x: 5, y: 5 }], { size: 4, value: 1 }));
    history.push(paintStroke(mask, [{ x: 15, y: 15 }], { size: 4, value: 1 }));
    history.undo(mask);
    assert.ok(history.canRedo);
    history.push(paintStroke(mask, [{ x: 5, y: 15 }], { size: 4, value: 2 }));
    assert.equal(history.canRedo, false);
    assert.equal(history.redo(mask), null);
    assert.equal(history.undoDepth, 2);
  });

  it("ignores edits that changed nothing", () => {
    const mask = createMask(20, 20);
    const history = new History();
    history.push(paintStroke(mask, [{ x: 50, y: 50 }], { size: 4, value: 1 }));
    assert.equal(history.canUndo, false);
  });

  it("drops the oldest steps to stay within its byte and step bounds", () => {
    const mask = createMask(64, 64);
    const bounded = new History({ maxBytes: 4000, maxSteps: 1000 });
    const few = new History({ maxSteps: 5 });
    for (let step = 0; step < 50; step++) {
      const line = [{ x: step, y: step }, { x: 63 - step, y: step }];
      const change = paintStroke(mask, line, { size: 3, value: (step % 2) + 1 });
      bounded.push(change);
      few.push(change);
      assert.ok(bounded.bytes <= 4000 || bounded.undoDepth === 1);
    }
    assert.ok(bounded.undoDepth < 50 && bounded.undoDepth > 1);
    assert.equal(few.undoDepth, 5);
  });

  it("keeps deep history of a 512x512 slice within its memory bound", () => {
    const random = seededRandom(11);
    const mask = createMask(512, 512);
    const original = cloneMask(mask);
    const history = new History({ maxSteps: 1000 });
    let edits = 0;
    for (let step = 0; step < 500; step++) {
      const a = { x: random() * 512, y: random() * 512 };
      const change = paintStroke(mask, [a, { x: a.x + 30, y: a.y + 10 }], { size: 15, value: (step % 2) + 1 });
      history.push(change);
      edits += change.changedCount > 0;
    }
    assert.ok(edits > 450);
    assert.equal(history.undoDepth, edits);
    assert.ok(history.bytes < 2 * 1024 * 1024, `${history.bytes} bytes`);
    while (history.canUndo) history.undo(mask);
    assert.deepEqual(mask.data, original.data);
  });

  it("refuses to replay a change on a mask of another size", () => {
    const recorder = new ChangeRecorder(createMask(4, 4));
    recorder.write(3, 1);
    assert.throws(() => applyChange(createMask(5, 4), recorder.finish(), "undo"), /another size/);
  });

  it("does not count a pixel painted and restored within one stroke as changed", () => {
    const mask = createMask(4, 4);
    const recorder = new ChangeRecorder(mask);
    recorder.write(5, 1);
    recorder.write(5, 0);
    recorder.write(6, 2);
    const change = recorder.finish();
    assert.equal(change.changedCount, 1);
    assert.deepEqual(change.rect, { x: 1, y: 1, width: 2, height: 1 });
  });
});
