// Tiny DOM helpers shared by the labelling, review and stats pages.
//
// API
//   el(tag, attributes?, ...children) -> Element   ('class' sets className; other keys are attributes)
//   readJson(id) -> the value of a json_script element
//   setStatus(node, { text, tone })                 text plus data-tone for colour

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (value !== false && value != null) node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

export function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

export function setStatus(node, { text, tone }) {
  node.textContent = text;
  node.dataset.tone = tone;
}
