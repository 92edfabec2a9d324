import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createActivityClock } from "../../static/js/labelling/activity.js";
import { createEditor, resizeBrush } from "../../static/js/labelling/editor.js";
import { resolveKey } from "../../static/js/labelling/keymap.js";
import { createMask } from "../../static/js/labelling/mask.js";
import { countValue } from "./helpers.js";

const MUSCLE = 1;
const LIVER = 2;

function workspace() {
  const mask = createMask(64, 64);
  const hu = Int16Array.from({ length: 64 * 64 }, (_, i) => ((i % 64) < 32 ? 50 : -100));
  return { mask, hu, editor: createEditor({ mask, hu }) };
}

const key = (editor, name, modifiers = {}) => editor.dispatch(resolveKey({ key: name, ...modifiers }));

describe("editor", () => {
  it("draws a stroke as one undo step and undoes it with ctrl+z", () => {
    const { mask, editor } = workspace();
    assert.ok(editor.pointerDown({ x: 10, y: 10 }));
    editor.pointerMove({ x: 20, y: 12 });
    editor.pointerMove({ x: 30, y: 14 });
    const change = editor.pointerUp();
    assert.equal(change.changedCount, countValue(mask, MUSCLE));
    assert.equal(editor.history.undoDepth, 1);
    const { rect } = key(editor, "z", { ctrlKey: true });
    assert.deepEqual(rect, change.rect);
    assert.equal(countValue(mask, MUSCLE), 0);
    key(editor, "Z", { ctrlKey: true, shiftKey: true });
    assert.equal(countValue(mask, MUSCLE), change.changedCount);
  });

  it("switches tools, labels and brush size from the keyboard", () => {
    const { mask, editor } = workspace();
    key(editor, "2");
    key(editor, "]");
    assert.equal(editor.state.label, LIVER);
    assert.ok(editor.state.brushSize > 12);
    editor.pointerDown({ x: 5, y: 5 });
    editor.pointerUp();
    assert.ok(countValue(mask, LIVER) > 0);
    key(editor, "e");
    editor.pointerDown({ x: 5, y: 5 });
    editor.pointerUp();
    assert.equal(countValue(mask, LIVER), 0);
  });

  it("keeps the HU brush inside the HU range", () => {
    const { mask, editor } = workspace();
    key(editor, "h");
    editor.pointerDown({ x: 20, y: 30 });
    editor.pointerMove({ x: 50, y: 30 });
    editor.pointerUp();
    const painted = [...mask.data.keys()].filter((i) => mask.data[i] === MUSCLE);
    assert.ok(painted.length > 0 && painted.every((i) => i % 64 < 32));
  });

  it("fills the HU region under a click", () => {
    const { mask, editor } = workspace();
    key(editor, "f");
    editor.pointerDown({ x: 3, y: 3 });
    assert.equal(countValue(mask, MUSCLE), 32 * 64);
  });

  it("fills a polygon on Enter and erases only the active label with shift+p", () => {
    const { mask, editor } = workspace();
    key(editor, "p");
    for (const point of [{ x: 0, y: 0 }, { x: 40, y: 0 }, { x: 40, y: 40 }, { x: 0, y: 40 }]) editor.pointerDown(point);
    key(editor, "Enter");
    assert.equal(countValue(mask, MUSCLE), 1600);
    mask.data[63 * 64 + 63] = LIVER;
    key(editor, "P", { shiftKey: true });
    for (const point of [{ x: 0, y: 0 }, { x: 64, y: 0 }, { x: 64, y: 64 }, { x: 0, y: 64 }]) editor.pointerDown(point);
    key(editor, "Enter");
    assert.equal(countValue(mask, MUSCLE), 0);
    assert.equal(countValue(mask, LIVER), 1);
  });

  it("removes small islands of the active label with x", () => {
    const { mask, editor } = workspace();
    mask.data[5] = MUSCLE;
    key(editor, "x");
    assert.equal(mask.data[5], 0);
    assert.equal(editor.history.undoDepth, 1);
  });

  it("toggles outline, opacity and help, asking for a full redraw where the overlay changes", () => {
    const { editor } = workspace();
    assert.equal(key(editor, "o").redrawAll, true);
    assert.equal(editor.state.outline, true);
    key(editor, ".");
    assert.equal(editor.state.opacity, 0.6);
    key(editor, "?", { shiftKey: true });
    assert.equal(editor.state.helpVisible, true);
  });

  it("grows and shrinks the brush within bounds", () => {
    assert.equal(resizeBrush(1, -1), 1);
    assert.equal(resizeBrush(3, +1), 4);
    assert.equal(resizeBrush(50, +1), 60);
    assert.equal(resizeBrush(200, +1), 200);
  });
});

describe("active editing time", () => {
  it("counts gaps between edits and skips idle pauses", () => {
    const clock = createActivityClock({ idleMs: 30000 });
    for (const t of [0, 1000, 3000, 120000, 125000]) clock.touch(t);
    assert.equal(clock.seconds, 8);
    clock.reset();
    assert.equal(clock.seconds, 0);
  });
});
