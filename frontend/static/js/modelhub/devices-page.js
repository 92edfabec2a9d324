// The devices page: counts, the active model and its Dice per device; for ML leads a transfer-learning
// form per device and a button that runs inference over the device's images.

import { postJson } from "../core/api.js";
import { busy, el, readJson, say } from "../core/dom.js";
import { formatDiceN, sameDevice, versionOptionLabel } from "./format.js";

const root = document.querySelector("[data-devices-page]");
const rowsBody = root.querySelector("[data-device-rows]");
const canTrain = root.dataset.canTrain === "true";
const devices = readJson("devices-data", []);
const versions = readJson("versions-data", []);
const template = document.getElementById("train-form-template");
const columns = canTrain ? 8 : 7;

const STATUS_RANK = { active: 0, candidate: 1, retired: 2 };

/** Parents for a device, most useful first: its own versions, then the base, then the rest. */
function parentChoices(device) {
  const rank = (v) => {
    const own = sameDevice(v.device, device) ? 0 : v.device == null ? 1 : 2;
    return own * 10 + (STATUS_RANK[v.status] ?? 5);
  };
  return [...versions].filter((v) => v.status !== "failed" && v.status !== "training").sort((a, b) => rank(a) - rank(b) || b.id - a.id);
}

function modelCell(device) {
  const active = device.active_version;
  if (!active) return el("td", { "data-active-version": "" }, el("span", { class: "muted" }, "none yet"));
  return el(
    "td",
    { "data-active-version": active.id },
    el("a", { href: `/models/${active.id}/` }, active.name),
    active.is_base ? el("span", { class: "badge badge-base", title: "This device has no model of its own yet" }, "base model") : null,
  );
}

function actionsCell(device, formRow) {
  const trainButton = el("button", { type: "button", class: "button button-small", "data-train-open": device.id, "aria-expanded": "false" }, "Transfer learning…");
  const inferButton = el("button", { type: "button", class: "button button-small", "data-infer": device.id }, "Run inference on this device");
  const message = el("span", { class: "inline-message", hidden: true, "data-infer-message": "" });
  trainButton.addEventListener("click", () => toggleForm(formRow, trainButton));
  inferButton.addEventListener("click", () => runInference(device, inferButton, message));
  return el("td", { class: "row-actions" }, el("div", { class: "action-stack" }, trainButton, inferButton, message));
}

function deviceRow(device, formRow) {
  const accepted = `${device.accepted ?? 0}`;
  return el(
    "tr",
    { "data-device-id": device.id },
    el("th", { scope: "row" }, el("span", { class: "device-name" }, device.display_name), el("code", { class: "device-key" }, device.key ?? "")),
    el("td", { class: "num" }, String(device.images ?? 0)),
    el("td", { class: "num" }, String(device.labelled ?? 0)),
    el("td", { class: "num" }, accepted, el("span", { class: "th-sub" }, ` (${device.accepted_train ?? 0})`)),
    el("td", { class: "num" }, String(device.test_images ?? 0)),
    modelCell(device),
    el("td", { class: "num", "data-active-dice": "" }, formatDiceN(device.active_dice, device.active_dice_images)),
    canTrain ? actionsCell(device, formRow) : null,
  );
}

function trainFormRow(device) {
  const form = template.content.firstElementChild.cloneNode(true);
  form.querySelector("[data-device-name]").textContent = device.display_name;
  const select = form.querySelector("[data-parent-select]");
  const choices = parentChoices(device);
  select.append(...choices.map((v) => el("option", { value: v.id }, versionOptionLabel(v))));
  const preferred = device.active_version?.id;
  if (preferred && choices.some((v) => v.id === preferred)) select.value = String(preferred);
  if (!choices.length) select.append(el("option", { value: "" }, "No trained version yet"));
  const row = el("tr", { class: "train-row", hidden: true, "data-train-row": device.id }, el("td", { colspan: columns }, form));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    startTraining(device, form);
  });
  form.querySelector("[data-train-close]").addEventListener("click", () => {
    row.hidden = true;
    rowsBody.querySelector(`[data-train-open="${device.id}"]`)?.setAttribute("aria-expanded", "false");
  });
  return row;
}

function toggleForm(row, button) {
  row.hidden = !row.hidden;
  button.setAttribute("aria-expanded", String(!row.hidden));
  if (!row.hidden) row.querySelector("select")?.focus();
}

/** The form's values as the train endpoint wants them; a sentence instead when one is wrong. */
export function trainPayload(form) {
  const parentId = Number.parseInt(form.elements.parent_id.value, 10);
  const epochs = Number.parseInt(form.elements.epochs.value, 10);
  if (!Number.isInteger(parentId)) return { error: "Choose the version to start from." };
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 500) return { error: "Epochs must be a whole number from 1 to 500." };
  return {
    payload: {
      parent_id: parentId,
      epochs,
      freeze_encoder: form.elements.freeze_encoder.checked,
      replay: form.elements.replay.checked,
      auto_promote: form.elements.auto_promote.checked,
    },
  };
}

async function startTraining(device, form) {
  const message = form.querySelector("[data-train-message]");
  const { payload, error } = trainPayload(form);
  if (error) return say(message, error);
  say(message, "");
  try {
    const answer = await busy(form.querySelector("[data-train-submit]"), () => postJson(`/api/devices/${device.id}/train`, payload), "Starting…");
    say(message, `Training job ${answer.job_id} queued; opening its page…`, "ok");
    window.location.assign(`/jobs/${answer.job_id}/`);
  } catch (failure) {
    say(message, failure.message);
  }
}

async function runInference(device, button, message) {
  say(message, "");
  try {
    const answer = await busy(button, () => postJson("/api/inference/", { device_id: device.id }), "Queueing…");
    if (answer?.job_id == null) say(message, answer?.detail ?? "Nothing to do.", "info");
    else say(message, "Inference queued: ", "ok", el("a", { href: `/jobs/${answer.job_id}/` }, `job ${answer.job_id}`));
  } catch (failure) {
    say(message, failure.message);
  }
}

function render() {
  if (!devices.length) {
    rowsBody.replaceChildren(el("tr", {}, el("td", { colspan: columns, class: "empty-cell" }, "No devices yet: upload CT to register one.")));
    return;
  }
  rowsBody.replaceChildren(
    ...devices.flatMap((device) => {
      const formRow = canTrain ? trainFormRow(device) : null;
      return [deviceRow(device, formRow), formRow];
    }).filter(Boolean),
  );
}

render();
