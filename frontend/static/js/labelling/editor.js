// Editing state of the labelling canvas, without the DOM: which tool, label, brush size and HU range
// are active, strokes in progress, the polygon being drawn, and history. The page turns pointer and
// key events into calls here and redraws the returned rectangles (render.js); nothing here draws.
//
// API
//   TOOLS                                   tool names; see keymap.js for their keys
//   createEditor({ mask, hu, history? })   -> an Editor (the class is exported too)
//   editor.state                            { tool, label, brushSize, huRange: { lo, hi }, opacity,
//                                             outline, helpVisible, islandMinPixels, polygon: [points] }
//   editor.pointerDown(point) / pointerMove(point) -> rect to redraw, or null
//   editor.pointerUp()                      -> the finished stroke's Change, or null
//   editor.closePolygon() / cancelPolygon() -> Change / null
//   editor.dispatch({ action, arg })        -> { rect, redrawAll } for a keymap.js action
//                                             (view.* and mask.save are the page's to handle)
//   editor.undo() / editor.redo()           -> rect to redraw, or null
//   Points are image-pixel coordinates { x, y } (core/viewport.js screenToImage gives them).

import { History } from "./history.js";
import { beginStroke, fillHoles, fillPolygon, MUSCLE_HU_RANGE, regionGrow, removeSmallIslands } from "./tools.js";

export const TOOLS = Object.freeze(["brush", "eraser", "huBrush", "fill", "polygon", "polygonErase"]);

const STROKE_TOOLS = new Set(["brush", "eraser", "huBrush"]);
const POLYGON_TOOLS = new Set(["polygon", "polygonErase"]);
const MIN_BRUSH = 1;
const MAX_BRUSH = 200;
const OPACITY_STEP = 0.1;

const redrawAll = () => ({ rect: null, redrawAll: true });
const redrawRect = (rect) => ({ rect, redrawAll: false });
const redrawNothing = () => ({ rect: null, redrawAll: false });

export function createEditor(options) {
  return new Editor(options);
}

export class Editor {
  constructor({ mask, hu, history = new History() }) {
    this.mask = mask;
    this.hu = hu;
    this.history = history;
    this.stroke = null;
    this.state = {
      tool: "brush",
      label: mask.labels[0]?.value ?? 1,
      brushSize: 12,
      huRange: { ...MUSCLE_HU_RANGE },
      opacity: 0.5,
      outline: false,
      helpVisible: false,
      islandMinPixels: 50,
      polygon: [],
    };
  }

  pointerDown(point) {
    const { tool } = this.state;
    if (POLYGON_TOOLS.has(tool)) return this.addVertex(point);
    if (tool === "fill") return this.fill(point);
    this.pointerUp(); // a lost pointerup (window blur) must not lose the previous stroke's undo step
    this.stroke = beginStroke(this.mask, this.strokeOptions());
    return this.stroke.add(point);
  }

  pointerMove(point) {
    return this.stroke ? this.stroke.add(point) : null;
  }

  pointerUp() {
    if (!this.stroke) return null;
    const change = this.stroke.end();
    this.stroke = null;
    this.history.push(change);
    return change;
  }

  closePolygon() {
    const erasing = this.state.tool === "polygonErase";
    // Erasing with a polygon removes only the active label, so a neighbouring organ survives.
    const options = { value: erasing ? 0 : this.state.label, onlyOver: erasing ? this.state.label : undefined };
    const change = fillPolygon(this.mask, this.state.polygon, options);
    this.state.polygon = [];
    this.history.push(change);
    return change;
  }

  cancelPolygon() {
    this.state.polygon = [];
    return null;
  }

  undo() {
    return this.history.undo(this.mask)?.rect ?? null;
  }

  redo() {
    return this.history.redo(this.mask)?.rect ?? null;
  }

  dispatch({ action, arg }) {
    const handler = ACTIONS[action];
    if (handler) return handler(this, arg);
    const tool = action.startsWith("tool.") ? action.slice("tool.".length) : null;
    if (TOOLS.includes(tool)) this.selectTool(tool);
    return redrawNothing(); // view.* and mask.save belong to the page
  }

  selectTool(tool) {
    this.pointerUp();
    this.state.tool = tool;
    this.state.polygon = [];
  }

  strokeOptions() {
    const { tool, brushSize, label, huRange } = this.state;
    return {
      size: brushSize,
      value: tool === "eraser" ? 0 : label,
      huRange: tool === "huBrush" ? { hu: this.hu, ...huRange } : undefined,
    };
  }

  addVertex(point) {
    this.state.polygon.push(point);
    return null;
  }

  fill(point) {
    const change = regionGrow(this.mask, point, { hu: this.hu, ...this.state.huRange, value: this.state.label });
    this.history.push(change);
    return change.rect;
  }

  removeIslands() {
    const { label, islandMinPixels } = this.state;
    const change = removeSmallIslands(this.mask, { label, minPixels: islandMinPixels });
    this.history.push(change);
    return change.rect;
  }

  /** Fills the active label's holes smaller than the clean-up size (the same setting as for islands). */
  fillHoles() {
    const { label, islandMinPixels } = this.state;
    const change = fillHoles(this.mask, { label, maxPixels: islandMinPixels });
    this.history.push(change);
    return change.rect;
  }
}

// keymap.js action -> (editor, arg) -> what to redraw.
const ACTIONS = {
  "brush.grow": (editor) => setState(editor, { brushSize: resizeBrush(editor.state.brushSize, +1) }, false),
  "brush.shrink": (editor) => setState(editor, { brushSize: resizeBrush(editor.state.brushSize, -1) }, false),
  "history.undo": (editor) => redrawRect(editor.undo()),
  "history.redo": (editor) => redrawRect(editor.redo()),
  "overlay.outline": (editor) => setState(editor, { outline: !editor.state.outline }, true),
  "overlay.more": (editor) => setState(editor, { opacity: clampOpacity(editor.state.opacity + OPACITY_STEP) }, true),
  "overlay.less": (editor) => setState(editor, { opacity: clampOpacity(editor.state.opacity - OPACITY_STEP) }, true),
  "label.select": (editor, index) => {
    const label = editor.mask.labels[index]?.value ?? editor.state.label;
    return setState(editor, { label }, false);
  },
  "mask.removeIslands": (editor) => redrawRect(editor.removeIslands()),
  "mask.fillHoles": (editor) => redrawRect(editor.fillHoles()),
  "polygon.close": (editor) => redrawRect(editor.closePolygon().rect),
  "polygon.cancel": (editor) => {
    editor.cancelPolygon();
    return redrawAll();
  },
  "help.toggle": (editor) => setState(editor, { helpVisible: !editor.state.helpVisible }, false),
};

function setState(editor, changes, overlayChanged) {
  Object.assign(editor.state, changes);
  return overlayChanged ? redrawAll() : redrawNothing();
}

// About 20% per press, at least one pixel, so both fine and coarse sizes are a few presses away.
export function resizeBrush(size, direction) {
  const step = Math.max(1, Math.round(size * 0.2));
  return Math.min(MAX_BRUSH, Math.max(MIN_BRUSH, size + direction * step));
}

function clampOpacity(opacity) {
  return Math.round(Math.min(1, Math.max(0.1, opacity)) * 10) / 10;
}
