import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { KEY_BINDINGS, helpRows, resolveKey } from "../../static/js/labelling/keymap.js";

const NO_MODIFIERS = { ctrlKey: false, shiftKey: false, altKey: false, metaKey: false };
const press = (key, modifiers = {}) => resolveKey({ key, ...NO_MODIFIERS, ...modifiers });

describe("keyboard shortcuts", () => {
  it("selects every tool with one key", () => {
    assert.equal(press("b").action, "tool.brush");
    assert.equal(press("e").action, "tool.eraser");
    assert.equal(press("h").action, "tool.huBrush");
    assert.equal(press("f").action, "tool.fill");
    assert.equal(press("p").action, "tool.polygon");
    assert.equal(press("P", { shiftKey: true }).action, "tool.polygonErase");
    assert.equal(press("x").action, "mask.removeIslands");
  });

  it("changes brush size with [ and ]", () => {
    assert.equal(press("[").action, "brush.shrink");
    assert.equal(press("]").action, "brush.grow");
  });

  it("undoes with ctrl+z and redoes with ctrl+shift+z, ctrl+y, or Cmd on a Mac", () => {
    assert.equal(press("z", { ctrlKey: true }).action, "history.undo");
    assert.equal(press("Z", { ctrlKey: true, shiftKey: true }).action, "history.redo");
    assert.equal(press("y", { ctrlKey: true }).action, "history.redo");
    assert.equal(press("z", { metaKey: true }).action, "history.undo");
    assert.equal(press("z"), null, "plain z is not undo");
  });

  it("toggles help with ? (a shifted key) and outline with o", () => {
    assert.equal(press("?", { shiftKey: true }).action, "help.toggle");
    assert.equal(press("o").action, "overlay.outline");
  });

  it("selects labels by number, zero-based", () => {
    assert.deepEqual(press("1"), { action: "label.select", arg: 0 });
    assert.deepEqual(press("2"), { action: "label.select", arg: 1 });
  });

  it("ignores unbound keys, Alt chords and typing in text fields", () => {
    assert.equal(press("q"), null);
    assert.equal(press("b", { altKey: true }), null);
    assert.equal(press("b", { targetIsEditable: true }), null);
    assert.equal(resolveKey({}), null);
  });

  it("has no two bindings for the same key chord", () => {
    const chords = KEY_BINDINGS.map((b) => `${b.ctrl ? "ctrl+" : ""}${b.shift ? "shift+" : ""}${b.key}`);
    assert.equal(new Set(chords).size, chords.length);
  });

  it("lists every action in the help rows", () => {
    const rows = helpRows();
    assert.ok(rows.some((row) => row.keys === "Ctrl+Shift+Z" && row.help === "Redo"));
    assert.ok(rows.some((row) => row.keys === "1-9"));
    assert.ok(rows.every((row) => row.keys && row.help));
    const labelKeys = KEY_BINDINGS.filter((b) => b.action === "label.select").length;
    assert.equal(rows.length, KEY_BINDINGS.length - labelKeys + 1);
  });
});
