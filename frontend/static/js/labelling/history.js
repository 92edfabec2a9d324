// Undo/redo for mask edits, storing compact deltas (delta.js Changes), bounded in steps and bytes.
//
// API
//   new History({ maxSteps = 1000, maxBytes = 64 MiB })
//   history.push(change)      record an applied edit; clears redo; empty changes are ignored;
//                             the oldest steps are dropped while over either bound
//   history.undo(mask)        -> the Change undone (its rect is the area to redraw) or null
//   history.redo(mask)        -> the Change redone or null
//   history.canUndo, history.canRedo, history.undoDepth, history.redoDepth, history.bytes
//   history.clear()           e.g. after loading another image

import { applyChange, changeBytes, isEmptyChange } from "./delta.js";

const MEBIBYTE = 1024 * 1024;

export class History {
  constructor({ maxSteps = 1000, maxBytes = 64 * MEBIBYTE } = {}) {
    this.maxSteps = maxSteps;
    this.maxBytes = maxBytes;
    this.clear();
  }

  clear() {
    this.undoStack = [];
    this.redoStack = [];
    this.bytes = 0;
  }

  get canUndo() {
    return this.undoStack.length > 0;
  }

  get canRedo() {
    return this.redoStack.length > 0;
  }

  get undoDepth() {
    return this.undoStack.length;
  }

  get redoDepth() {
    return this.redoStack.length;
  }

  push(change) {
    if (isEmptyChange(change)) return;
    this.redoStack.forEach((dropped) => (this.bytes -= changeBytes(dropped)));
    this.redoStack = [];
    this.undoStack.push(change);
    this.bytes += changeBytes(change);
    this.dropOldestWhileOverBounds();
  }

  undo(mask) {
    return this.move(mask, this.undoStack, this.redoStack, "undo");
  }

  redo(mask) {
    return this.move(mask, this.redoStack, this.undoStack, "redo");
  }

  move(mask, from, to, direction) {
    const change = from.pop();
    if (!change) return null;
    applyChange(mask, change, direction);
    to.push(change);
    return change;
  }

  // Keeps at least the newest step, however large, so the last edit can always be undone.
  dropOldestWhileOverBounds() {
    while (
      this.undoStack.length > 1 &&
      (this.undoStack.length > this.maxSteps || this.bytes > this.maxBytes)
    ) {
      this.bytes -= changeBytes(this.undoStack.shift());
    }
  }
}
