// The workspace's side panel: tools, labels, brush size, HU range, overlay and island settings, and
// history buttons, kept in step with editor.state. Keys and buttons both end in onAction, so a control
// and its shortcut do exactly the same thing.
//
// API
//   new Controls(root, { editor, labels, onAction(action, arg), onChange() })
//   controls.sync()   reflect editor.state and history depth after any change

import { MUSCLE_HU_RANGE } from "../tools.js";
import { KEY_BINDINGS } from "../keymap.js";
import { el } from "../../core/dom.js";

const TOOL_LABELS = {
  brush: "Brush",
  eraser: "Eraser",
  huBrush: "HU brush",
  fill: "Fill",
  polygon: "Lasso fill",
  polygonErase: "Lasso erase",
};

// Short key names for the tool buttons (the help overlay spells them out).
function keyFor(action) {
  const binding = KEY_BINDINGS.find((candidate) => candidate.action === action);
  if (!binding) return "";
  return `${binding.ctrl ? "Ctrl+" : ""}${binding.shift ? "⇧" : ""}${binding.key.toUpperCase()}`;
}

export class Controls {
  constructor(root, { editor, labels, onAction, onChange }) {
    this.root = root;
    this.editor = editor;
    this.onAction = onAction;
    this.onChange = onChange;
    this.buildTools(root.querySelector("[data-tools]"));
    this.buildLabels(root.querySelector("[data-labels]"), labels);
    this.bindInputs();
    this.sync();
  }

  buildTools(container) {
    this.toolButtons = Object.entries(TOOL_LABELS).map(([tool, label]) => {
      const key = keyFor(`tool.${tool}`);
      return el(
        "button",
        { type: "button", class: "ls-tool", "data-tool": tool, "aria-pressed": "false", title: `${label} (${key})` },
        el("span", {}, label),
        el("kbd", {}, key),
      );
    });
    container.replaceChildren(...this.toolButtons);
    container.addEventListener("click", (event) => {
      const tool = event.target.closest("[data-tool]")?.dataset.tool;
      if (tool) this.onAction(`tool.${tool}`);
    });
  }

  buildLabels(container, labels) {
    this.labelInputs = labels.map((label, index) => {
      const input = el("input", { type: "radio", name: "ls-label", value: String(label.value), "data-label-value": String(label.value) });
      input.addEventListener("change", () => this.onAction("label.select", index));
      return el(
        "label",
        { class: "ls-label" },
        input,
        el("span", { class: "ls-swatch", style: `background:${label.color}` }),
        el("span", { class: "ls-label-name" }, label.name),
        el("kbd", {}, String(index + 1)),
      );
    });
    container.replaceChildren(...this.labelInputs);
  }

  input(name) {
    return this.root.querySelector(`[data-control="${name}"]`);
  }

  bindInputs() {
    const state = this.editor.state;
    const numberFrom = (name, apply) =>
      this.input(name).addEventListener("input", (event) => {
        const value = Number(event.target.value);
        if (event.target.value !== "" && Number.isFinite(value)) apply(value);
        this.onChange();
      });
    numberFrom("brush-size", (value) => (state.brushSize = Math.min(200, Math.max(1, Math.round(value)))));
    numberFrom("hu-lo", (value) => (state.huRange = { ...state.huRange, lo: value }));
    numberFrom("hu-hi", (value) => (state.huRange = { ...state.huRange, hi: value }));
    numberFrom("island-min", (value) => (state.islandMinPixels = Math.max(1, Math.round(value))));
    numberFrom("opacity", (value) => {
      state.opacity = value / 100;
      this.onAction("overlay.redraw");
    });
    this.input("outline").addEventListener("change", () => this.onAction("overlay.outline"));
    this.input("hu-muscle").addEventListener("click", () => {
      state.huRange = { ...MUSCLE_HU_RANGE };
      this.onChange();
    });
    for (const button of this.root.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => this.onAction(button.dataset.action));
    }
  }

  sync() {
    const { state, history } = this.editor;
    for (const button of this.toolButtons) button.setAttribute("aria-pressed", String(button.dataset.tool === state.tool));
    for (const label of this.labelInputs) {
      const input = label.querySelector("input");
      input.checked = Number(input.value) === state.label;
    }
    this.setValue("brush-size", state.brushSize);
    this.root.querySelector("[data-brush-size-out]").textContent = `${state.brushSize} px`;
    this.setValue("hu-lo", state.huRange.lo);
    this.setValue("hu-hi", state.huRange.hi);
    this.setValue("island-min", state.islandMinPixels);
    this.setValue("opacity", Math.round(state.opacity * 100));
    this.root.querySelector("[data-opacity-out]").textContent = `${Math.round(state.opacity * 100)}%`;
    this.input("outline").checked = state.outline;
    const huInvalid = !(state.huRange.lo <= state.huRange.hi);
    this.input("hu-lo").setAttribute("aria-invalid", String(huInvalid));
    this.input("hu-hi").setAttribute("aria-invalid", String(huInvalid));
    this.root.querySelector('[data-action="history.undo"]').disabled = !history.canUndo;
    this.root.querySelector('[data-action="history.redo"]').disabled = !history.canRedo;
    this.root.querySelector("[data-history-depth]").textContent = `${history.undoDepth} step${history.undoDepth === 1 ? "" : "s"}`;
    this.root.dataset.tool = state.tool;
  }

  // Leave a field alone while the user is typing in it.
  setValue(name, value) {
    const input = this.input(name);
    if (document.activeElement !== input || input.type === "range") input.value = String(value);
  }

  setEditable(editable) {
    for (const control of this.root.querySelectorAll("[data-edit-control] button, [data-edit-control] input")) {
      control.disabled = !editable;
    }
  }
}
