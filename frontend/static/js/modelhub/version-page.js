// One model version: provenance, hyper-parameters, evaluations, training curves, and for ML leads the
// promote / roll back button (409 reasons shown inline), then an offer to re-run inference everywhere.

import { getJson, postJson } from "../core/api.js";
import { curvesFigure } from "./chart.js";
import { busy, el, readJson, say } from "../core/dom.js";
import { statusBadge } from "./status-badge.js";
import { deviceId, deviceName, formatDateTime, formatDiceSd, formatPercent, formatSeconds, shortChecksum } from "./format.js";

const root = document.querySelector("[data-version-page]");
const canPromote = root.dataset.canPromote === "true";
let version = readJson("version-data", {});

const $ = (selector) => document.querySelector(selector);

let parentName = null;

const parentLabel = () => parentName ?? `version ${version.parent_id}`;

/** The detail answer names its parent by id only; ask for the name once, then redraw. */
async function loadParentName() {
  if (version.parent_id == null) return;
  try {
    parentName = (await getJson(`/api/model-versions/${version.parent_id}/`)).name ?? null;
    lede();
    facts();
  } catch {
    // the id stays on screen; the link still works
  }
}

function lede() {
  const parts = [`${version.arch ?? "model"} `];
  if (version.device == null) parts.push("base model, used by every device without a model of its own");
  else parts.push(`for ${deviceName(version.device)}`);
  if (version.parent_id != null) {
    parts.push(", fine-tuned from ", el("a", { href: `/models/${version.parent_id}/`, "data-parent-link": version.parent_id }, parentLabel()));
  }
  parts.push(".");
  $("[data-version-lede]").replaceChildren(...parts);
  $("[data-version-status]").replaceChildren(statusBadge(version.status));
}

function fact(label, value, attributes = {}) {
  return el("div", attributes, el("dt", {}, label), el("dd", {}, value ?? "—"));
}

function facts() {
  const hash = version.training_set_hash;
  const items = [
    fact("Status", statusBadge(version.status), { "data-fact-status": "" }),
    fact("Device", deviceName(version.device)),
    fact("Architecture", el("code", {}, version.arch ?? "—")),
    fact("Parent", version.parent_id == null ? "none (a root)" : el("a", { href: `/models/${version.parent_id}/` }, parentLabel())),
    fact("Created", formatDateTime(version.created_at)),
    fact("Promoted", formatDateTime(version.promoted_at)),
    fact("Training time", formatSeconds(version.train_seconds)),
    fact("Training set", `${version.training_set_size ?? (version.training_set ?? []).length} annotation revisions`),
    fact("Training set hash", el("code", { title: hash || "" }, shortChecksum(hash))),
    fact("Code version", el("code", {}, version.code_version || "—")),
    fact("Labels", (version.label_names ?? []).join(", ") || "—"),
    fact("Training job", version.job_id ? el("a", { href: `/jobs/${version.job_id}/` }, `job ${version.job_id}`) : "—"),
    fact("Weights checksum (SHA-256)", el("code", { class: "checksum-full", "data-checksum": "" }, version.checksum || "—"), { class: "fact-wide" }),
    version.notes ? fact("Notes", version.notes, { class: "fact-wide" }) : null,
  ];
  $("[data-facts]").replaceChildren(...items.filter(Boolean));
}

function evaluations() {
  const own = deviceId(version.device);
  const rows = [...(version.evaluations ?? [])].sort((a, b) => (b.device_id === own) - (a.device_id === own) || String(a.device).localeCompare(String(b.device)));
  $("[data-evaluation-rows]").replaceChildren(
    ...(rows.length
      ? rows.map((e) =>
          el("tr", { "data-evaluation-device": e.device_id, class: e.device_id === own ? "own-device" : "" },
            el("td", {}, e.device, e.device_id === own ? el("span", { class: "badge badge-own" }, "own device") : null),
            el("td", { class: "num" }, String(e.images ?? "—")),
            el("td", { class: "num" }, formatDiceSd(e.dice_mean, e.dice_sd)),
            el("td", { class: "num" }, formatPercent(e.sma_error_median)),
          ),
        )
      : [el("tr", {}, el("td", { colspan: 4, class: "empty-cell" }, "Not evaluated yet."))]),
  );
}

function hyperparameters() {
  const entries = Object.entries(version.hyperparameters ?? {});
  const show = (value) => (value !== null && typeof value === "object" ? JSON.stringify(value) : String(value));
  $("[data-hyperparameters]").replaceChildren(
    ...(entries.length
      ? entries.map(([key, value]) => el("tr", {}, el("th", { scope: "row" }, el("code", {}, key)), el("td", {}, el("code", {}, show(value)))))
      : [el("tr", {}, el("td", { class: "empty-cell" }, "None recorded."))]),
  );
}

function promotePanel() {
  const panel = $("[data-promote-panel]");
  const button = $("[data-promote]");
  const help = $("[data-promote-help]");
  const promotable = version.status === "candidate" || version.status === "retired";
  panel.hidden = !canPromote || !["candidate", "retired", "active"].includes(version.status);
  button.hidden = !promotable;
  const gate = $("[data-use-gate]");
  gate.closest("label").hidden = !promotable;
  // Promoting a candidate goes through the gate unless the ML lead unticks it; rolling back is the operator's
  // decision (the version was active before), so there it is off unless ticked.
  if (gate.dataset.forStatus !== version.status) gate.checked = version.status === "candidate";
  gate.dataset.forStatus = version.status;
  $("[data-gate-hint]").textContent =
    version.status === "retired"
      ? "off by default for a roll back: tick it to refuse the roll back unless this version beats the active one on its device and loses ≤ 0.01 Dice elsewhere"
      : "promote only if it beats the active version on its device's test split and loses ≤ 0.01 Dice on any other device it serves";
  const where = deviceName(version.device, "the base model slot");
  if (version.status === "active") help.textContent = `Active for ${where} since ${formatDateTime(version.promoted_at)}.`;
  else if (version.status === "retired") help.textContent = `Retired. Rolling back makes it the active version for ${where} again.`;
  else help.textContent = `A candidate. Promoting makes it the active version for ${where}; the current one is retired.`;
  button.textContent = version.status === "retired" ? "Roll back to this version" : "Promote to active";
}

async function promote() {
  const message = $("[data-promote-message]");
  const gate = $("[data-use-gate]").checked;
  say(message, "");
  try {
    const answer = await busy($("[data-promote]"), () => postJson(`/api/model-versions/${version.id}/promote`, { gate }), "Promoting…");
    version = { ...version, ...(answer ?? {}), status: answer?.status ?? "active" };
    renderAll();
    say(message, `${version.name} is now the active version for ${deviceName(version.device, "the base model slot")}.`, "ok");
    $("[data-after-promote]").hidden = false;
  } catch (failure) {
    say(message, failure.status === 409 ? `Not promoted: ${failure.message}` : failure.message);
  }
}

async function inferEverything() {
  const message = $("[data-infer-message]");
  try {
    const answer = await busy($("[data-infer-all]"), () => postJson("/api/inference/", { all: true }), "Queueing…");
    if (answer?.job_id == null) say(message, answer?.detail ?? "Nothing to do.", "info");
    else say(message, "Inference queued: ", "ok", el("a", { href: `/jobs/${answer.job_id}/` }, `job ${answer.job_id}`));
  } catch (failure) {
    say(message, failure.message);
  }
}

function renderAll() {
  lede();
  facts();
  evaluations();
  hyperparameters();
  promotePanel();
}

renderAll();
$("[data-curves-slot]").replaceChildren(curvesFigure(version.history ?? []));
$("[data-promote]").addEventListener("click", promote);
$("[data-infer-all]").addEventListener("click", inferEverything);
loadParentName();
