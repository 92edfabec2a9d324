// The model hub's status badge: active green, candidate amber, retired grey, failed red, training blue.

import { el } from "../core/dom.js";

export function statusBadge(status) {
  return el("span", { class: `badge badge-${status}`, "data-status": status }, status ?? "unknown");
}
