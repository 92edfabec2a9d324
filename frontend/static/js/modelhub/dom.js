// Small DOM helpers shared by the model hub pages. Text always goes in as text nodes, never as HTML.

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

/** The value Django's json_script rendered under this id, or `fallback` when absent. */
export function readJson(id, fallback = null) {
  const node = document.getElementById(id);
  if (!node) return fallback;
  try {
    return JSON.parse(node.textContent);
  } catch {
    return fallback;
  }
}

/** A status badge: active green, candidate amber, retired grey, failed red, training blue. */
export function statusBadge(status) {
  return el("span", { class: `badge badge-${status}`, "data-status": status }, status ?? "unknown");
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
