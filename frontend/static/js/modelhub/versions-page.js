// The model versions page: the lineage tree as a table whose first column draws parent -> child lines.

import { el, readJson } from "../core/dom.js";
import { statusBadge } from "./status-badge.js";
import { deviceName, formatDateTime, formatDice, shortChecksum } from "./format.js";
import { flattenTree, ownDice, statusCounts } from "./lineage.js";

const root = document.querySelector("[data-versions-page]");
const rowsBody = root.querySelector("[data-lineage-rows]");
const summary = root.querySelector("[data-status-summary]");
const tree = readJson("tree-data", []);

/** The tree column: one slot per ancestor level (a line where that level goes on), an elbow, a node dot. */
function treeCell({ node, depth, isLast, guides, childCount }) {
  const slots = guides.slice(1).map((continues) => el("span", { class: `tree-slot${continues ? " tree-continue" : ""}`, "aria-hidden": "true" }));
  if (depth > 0) slots.push(el("span", { class: `tree-slot tree-elbow${isLast ? " tree-last" : ""}`, "aria-hidden": "true" }));
  slots.push(
    el("span", { class: `tree-slot tree-node${childCount ? " tree-has-children" : ""}`, "aria-hidden": "true" },
      el("span", { class: `tree-dot tree-dot-${node.status}` }),
    ),
  );
  return el(
    "td",
    { class: "tree-cell" },
    el("div", { class: "tree-line" }, slots, el("a", { href: `/models/${node.id}/`, class: "version-link", "data-version-link": node.id }, node.name)),
  );
}

function diceCell(version) {
  const dice = ownDice(version);
  if (!dice) return el("td", { class: "num muted" }, "—");
  if (dice.kind === "mean") {
    return el("td", { class: "num", title: `Mean over ${dice.devices} device(s): a base model has no device of its own` },
      formatDice(dice.value), el("span", { class: "th-sub" }, " mean"));
  }
  return el("td", { class: "num" }, formatDice(dice.value));
}

function row(item) {
  const { node, depth } = item;
  return el(
    "tr",
    {
      "data-version-id": node.id,
      "data-parent-id": node.parent_id ?? "",
      "data-depth": depth,
      "data-status": node.status,
      class: `lineage-row status-${node.status}`,
    },
    treeCell(item),
    el("td", {}, statusBadge(node.status)),
    el("td", {}, deviceName(node.device)),
    el("td", {}, el("code", {}, node.arch ?? "—")),
    el("td", {}, el("code", { class: "checksum", title: node.checksum || "" }, shortChecksum(node.checksum))),
    diceCell(node),
    el("td", { class: "num" }, node.training_set_size == null ? "—" : String(node.training_set_size)),
    el("td", { class: "nowrap" }, formatDateTime(node.created_at)),
  );
}

function render() {
  const items = flattenTree(tree);
  if (!items.length) {
    rowsBody.replaceChildren(el("tr", {}, el("td", { colspan: 8, class: "empty-cell" }, "No model versions yet. Import a base checkpoint, or train one from the devices page.")));
    return;
  }
  rowsBody.replaceChildren(...items.map(row));
  const counts = statusCounts(tree);
  summary.replaceChildren(
    `${items.length} version${items.length === 1 ? "" : "s"}: `,
    ...["active", "candidate", "training", "retired", "failed"]
      .filter((status) => counts[status])
      .flatMap((status, i) => [i ? " " : "", statusBadge(status), ` ${counts[status]}`]),
  );
}

render();
