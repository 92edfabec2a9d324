// The evaluation matrix: versions x devices as a Dice heatmap with a legend; cells where a version lost
// more than 0.01 Dice against its parent on that device get a red outline (catastrophic forgetting).

import { getJson } from "../core/api.js";
import { diceColor, diceDomain, legendGradient, textColorFor } from "./colorscale.js";
import { el, readJson, say } from "../core/dom.js";
import { statusBadge } from "./status-badge.js";
import { deviceName, formatDice, formatPercent, sameDevice } from "./format.js";
import { FORGETTING_THRESHOLD, buildGrid } from "./heatmap.js";
import { niceTicks, tickLabel } from "./curves.js";

const matrix = readJson("matrix-data", { versions: [], devices: [], cells: [] });
const message = document.querySelector("[data-evaluation-message]");
const domain = diceDomain((matrix.cells ?? []).map((c) => c.dice_mean));

function legend() {
  const [low, high] = domain;
  const ticks = niceTicks(low, high, 5).filter((v) => v >= low - 1e-9 && v <= high + 1e-9);
  document.querySelector("[data-legend]").replaceChildren(
    el("div", { class: "legend-scale" },
      el("span", { class: "legend-title" }, "Dice"),
      el("div", { class: "legend-bar-wrap" },
        el("div", { class: "legend-bar", style: `background: ${legendGradient()}` }),
        el("div", { class: "legend-ticks" },
          ticks.map((value) => el("span", { style: `left: ${(((value - low) / (high - low || 1)) * 100).toFixed(2)}%` }, tickLabel(value))),
        ),
      ),
    ),
    el("div", { class: "legend-keys" },
      el("span", { class: "legend-key" }, el("span", { class: "legend-swatch legend-forgetting" }), ` lost > ${FORGETTING_THRESHOLD} Dice vs its parent (forgetting)`),
      el("span", { class: "legend-key" }, el("span", { class: "legend-swatch legend-own" }), " the version's own device"),
      el("span", { class: "legend-key" }, el("span", { class: "legend-swatch legend-missing" }), " not evaluated"),
    ),
  );
}

function cellTd(cell, device, version) {
  const own = sameDevice(version.device, device);
  if (!cell) return el("td", { class: `heat-cell heat-missing${own ? " heat-own" : ""}`, title: "Not evaluated" }, "—");
  const background = diceColor(cell.dice_mean, domain) ?? "#ffffff";
  const drop = cell.forgetting;
  const title = [
    `${version.name} on ${device.display_name}`,
    `Dice ${formatDice(cell.dice_mean)} ± ${formatDice(cell.dice_sd)} over ${cell.images} test images`,
    `median SMA error ${formatPercent(cell.sma_error_median)}`,
    drop ? `${formatDice(drop.drop)} below its parent's ${formatDice(drop.parentDice)}: forgetting` : null,
  ].filter(Boolean);
  return el(
    "td",
    {
      class: `heat-cell${drop ? " heat-forgetting" : ""}${own ? " heat-own" : ""}`,
      style: `background-color: ${background}; color: ${textColorFor(background)}`,
      title: title.join("\n"),
      "data-cell": `${version.id}:${device.id}`,
      "data-dice": cell.dice_mean,
      "data-forgetting": drop ? formatDice(drop.drop) : null,
    },
    el("span", { class: "heat-dice" }, formatDice(cell.dice_mean)),
    el("span", { class: "heat-sma" }, `SMA ${formatPercent(cell.sma_error_median)}`),
    drop ? el("span", { class: "heat-drop" }, `−${formatDice(drop.drop)}`) : null,
  );
}

function render(options = {}) {
  const grid = buildGrid(matrix, options);
  document.querySelector("[data-heatmap-head]").replaceChildren(
    el("tr", {},
      el("th", { scope: "col", class: "heat-corner" }, "Version ↓ · device →"),
      grid.devices.map((d) => el("th", { scope: "col", class: "heat-device", "data-device-column": d.id }, d.display_name)),
    ),
  );
  const body = document.querySelector("[data-heatmap-body]");
  if (!grid.rows.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: grid.devices.length + 1, class: "empty-cell" }, "No evaluations yet: train or import a model.")));
    return grid;
  }
  body.replaceChildren(
    ...grid.rows.map(({ version, parentId, cells }) =>
      el("tr", { "data-version-row": version.id },
        el("th", { scope: "row", class: "heat-version" },
          el("a", { href: `/models/${version.id}/` }, version.name), " ", statusBadge(version.status),
          el("span", { class: "heat-version-meta" }, deviceName(version.device, "base model"), parentId != null ? ` · from ${options.names?.get(parentId) ?? `version ${parentId}`}` : ""),
        ),
        cells.map((cell, i) => cellTd(cell, grid.devices[i], version)),
      ),
    ),
  );
  return grid;
}

/** Every version (all pages) for parents and creation times: the matrix itself carries neither. */
async function allVersions() {
  const versions = [];
  let url = "/api/model-versions/?page_size=500";
  for (let page = 0; url && page < 50; page++) {
    const answer = await getJson(url);
    const results = Array.isArray(answer) ? answer : answer?.results ?? [];
    versions.push(...results);
    url = Array.isArray(answer) ? null : answer?.next ?? null;
  }
  return versions;
}

/** Lineage from the matrix itself when it carries parent_id, else from the version list. */
async function lineage() {
  const versions = matrix.versions ?? [];
  if (versions.length && versions.every((v) => "parent_id" in v)) return versions;
  return allVersions();
}

legend();
render();
lineage()
  .then((versions) => {
    const grid = render({
      parents: new Map(versions.map((v) => [v.id, v.parent_id ?? null])),
      createdAt: new Map(versions.filter((v) => v.created_at).map((v) => [v.id, v.created_at])),
      names: new Map(versions.map((v) => [v.id, v.name])),
    });
    document.querySelector("[data-heatmap]").dataset.lineage = "loaded";
    if (grid.drops.size) say(message, `${grid.drops.size} cell${grid.drops.size === 1 ? "" : "s"} ${grid.drops.size === 1 ? "shows" : "show"} forgetting: outlined in red.`, "warn");
  })
  .catch((failure) => say(message, `Lineage could not be loaded, so forgetting is not marked: ${failure.message}`, "info"));
