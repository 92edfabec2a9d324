// The DOM helpers every page uses. Text always goes in as text nodes, never as HTML.
//
// API
//   el(tag, attributes?, ...children) -> Element    'class' sets the class, 'text' the text, a function under
//                                                   'onX' listens to X, true sets an empty attribute, null and
//                                                   false skip; null and false children are left out
//   svg(tag, attributes?, ...children) -> SVGElement the same in the SVG namespace
//   readJson(id, fallback?)                         the value Django's json_script rendered under this id
//   setStatus(node, { text, tone })                 text plus data-tone for colour
//   say(box, text, kind?, ...extra)                 a sentence in an inline message box; empty text hides it
//   busy(button, action, busyText?)                 disables the button while the action runs

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(node, attributes, children) {
  for (const [key, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((child) => child != null && child !== false));
  return node;
}

export const el = (tag, attributes = {}, ...children) => fill(document.createElement(tag), attributes, children);
export const svg = (tag, attributes = {}, ...children) => fill(document.createElementNS(SVG_NS, tag), attributes, children);

/** The value Django's json_script rendered under this id, or `fallback` when absent or unreadable. */
export function readJson(id, fallback = null) {
  const node = document.getElementById(id);
  if (!node) return fallback;
  try {
    return JSON.parse(node.textContent);
  } catch {
    return fallback;
  }
}

export function setStatus(node, { text, tone }) {
  node.textContent = text;
  node.dataset.tone = tone;
}

/** Shows a sentence in an inline message box (kind: error, ok, info); empty text hides it. */
export function say(box, text, kind = "error", ...extra) {
  box.replaceChildren();
  box.hidden = !text;
  box.className = `inline-message inline-message-${kind}`;
  if (text) box.append(text, ...extra);
  box.setAttribute("role", kind === "error" ? "alert" : "status");
}

/** Disables a button while `action` runs; returns the action's value. */
export async function busy(button, action, busyText = null) {
  const label = button.textContent;
  button.disabled = true;
  if (busyText) button.textContent = busyText;
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}
