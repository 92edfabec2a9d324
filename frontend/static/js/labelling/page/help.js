// The keyboard help overlay: every shortcut of keymap.js, plus the mouse gestures of the stage.
//
// API
//   buildHelp(container, { onClose }) -> fills container (a <dialog>-like div) with the table

import { helpRows } from "../keymap.js";
import { el } from "../../core/dom.js";

const MOUSE_ROWS = [
  { keys: "Left drag", help: "Paint with the active tool (click to add a lasso point; double-click closes)" },
  { keys: "Wheel", help: "Zoom at the cursor" },
  { keys: "Right drag, Shift+drag", help: "Window / level: ← → width, ↑ ↓ level" },
  { keys: "Middle drag, Space+drag", help: "Pan" },
];

export function buildHelp(container, { onClose }) {
  const row = ({ keys, help }) => el("tr", {}, el("th", { scope: "row" }, el("kbd", {}, keys)), el("td", {}, help));
  const close = el("button", { type: "button", class: "button button-small", "data-action": "help-close" }, "Close (?)");
  close.addEventListener("click", onClose);
  container.replaceChildren(
    el("div", { class: "ls-help-head" }, el("h2", { id: "ls-help-title" }, "Keyboard and mouse"), close),
    el(
      "div",
      { class: "ls-help-columns" },
      el("table", { class: "ls-help-table", "data-help-keys": "" }, el("tbody", {}, ...helpRows().map(row))),
      el("table", { class: "ls-help-table" }, el("tbody", {}, ...MOUSE_ROWS.map(row))),
    ),
  );
  container.setAttribute("role", "dialog");
  container.setAttribute("aria-labelledby", "ls-help-title");
}
