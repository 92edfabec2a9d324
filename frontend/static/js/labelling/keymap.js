// Keyboard shortcuts for the labelling workspace, as data, and a pure resolver.
//
// A binding is { key, ctrl?, shift?, action, arg?, help }. key is KeyboardEvent.key, lower-cased for
// letters; ctrl also matches the Mac's Cmd (metaKey). Shift is compared only for letters and named
// keys: for symbols ('?', '[') the shifted character already is the key.
//
// API
//   KEY_BINDINGS                  the table, in help-overlay order
//   resolveKey(event) -> { action, arg } | null
//       event is KeyboardEvent-like: { key, ctrlKey, metaKey, shiftKey, altKey, targetIsEditable? };
//       returns null for unbound keys, Alt chords, and keys typed into text fields.
//   helpRows() -> [{ keys: 'Ctrl+Shift+Z', help }]   for the help overlay
//   Actions: tool.<name>, mask.removeIslands, mask.fillHoles, brush.grow, brush.shrink, history.undo, history.redo, overlay.outline,
//            overlay.more, overlay.less, label.select (arg = position in the label set, 0-based),
//            polygon.close, polygon.cancel, mask.save, view.reset, view.window (arg = core/windowing.js preset key),
//            help.toggle

const tool = (key, name, help) => ({ key, action: `tool.${name}`, arg: null, help });

export const KEY_BINDINGS = Object.freeze([
  tool("b", "brush", "Brush"),
  tool("e", "eraser", "Eraser"),
  tool("h", "huBrush", "HU brush (paints only inside the HU range)"),
  tool("f", "fill", "Fill / region grow within the HU range"),
  tool("p", "polygon", "Polygon / lasso fill"),
  { key: "p", shift: true, action: "tool.polygonErase", arg: null, help: "Polygon / lasso erase" },
  { key: "x", action: "mask.removeIslands", arg: null, help: "Remove small islands of the active label" },
  { key: "g", action: "mask.fillHoles", arg: null, help: "Fill small holes in the active label" },
  { key: "]", action: "brush.grow", arg: null, help: "Bigger brush" },
  { key: "[", action: "brush.shrink", arg: null, help: "Smaller brush" },
  { key: "z", ctrl: true, action: "history.undo", arg: null, help: "Undo" },
  { key: "z", ctrl: true, shift: true, action: "history.redo", arg: null, help: "Redo" },
  { key: "y", ctrl: true, action: "history.redo", arg: null, help: "Redo" },
  { key: "o", action: "overlay.outline", arg: null, help: "Outline / filled overlay" },
  { key: ".", action: "overlay.more", arg: null, help: "More overlay opacity" },
  { key: ",", action: "overlay.less", arg: null, help: "Less overlay opacity" },
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ({
    key: String(n),
    action: "label.select",
    arg: n - 1,
    help: `Label ${n}`,
  })),
  { key: "enter", action: "polygon.close", arg: null, help: "Close the polygon" },
  { key: "escape", action: "polygon.cancel", arg: null, help: "Cancel the polygon" },
  { key: "s", ctrl: true, action: "mask.save", arg: null, help: "Save draft" },
  { key: "0", action: "view.reset", arg: null, help: "Reset zoom and pan" },
  { key: "w", action: "view.window", arg: "soft", help: "Soft-tissue window" },
  { key: "m", action: "view.window", arg: "muscle", help: "Muscle window" },
  { key: "?", action: "help.toggle", arg: null, help: "Show / hide this help" },
]);

export function resolveKey(event) {
  if (event.altKey || event.targetIsEditable) return null;
  const key = normaliseKey(event.key);
  const ctrl = Boolean(event.ctrlKey || event.metaKey);
  const shift = Boolean(event.shiftKey);
  const binding = KEY_BINDINGS.find(
    (candidate) =>
      candidate.key === key &&
      Boolean(candidate.ctrl) === ctrl &&
      (!shiftMatters(key) || Boolean(candidate.shift) === shift),
  );
  return binding ? { action: binding.action, arg: binding.arg } : null;
}

// The nine label keys share one row.
export function helpRows() {
  return KEY_BINDINGS.filter((binding) => binding.action !== "label.select" || binding.arg === 0).map((binding) =>
    binding.action === "label.select"
      ? { keys: "1-9", help: "Select label 1 to 9" }
      : { keys: keyLabel(binding), help: binding.help },
  );
}

function normaliseKey(key = "") {
  return key.toLowerCase();
}

// Letters and named keys (Enter, Escape) carry Shift as a modifier; symbols and digits do not.
function shiftMatters(key) {
  return /^[a-z]$/.test(key) || key.length > 1;
}

function keyLabel(binding) {
  const key = binding.key[0].toUpperCase() + binding.key.slice(1);
  return [binding.ctrl && "Ctrl", binding.shift && "Shift", key].filter(Boolean).join("+");
}
