// The cohort page: the filter form drives a live preview (count, plots, first rows); saved cohorts;
// exports run as jobs whose progress is polled until a download link appears.

import { getJson, postJson, request } from "../core/api.js";
import { createPoller, progressPercent } from "../modelhub/job.js";
import { el, readJson } from "../core/dom.js";
import { describeFilters, filterEntries, filtersFromEntries, queryString } from "./filters.js";
import { huHistogram, smiBoxPlot } from "./plots.js";
import { histogram, smiGroups } from "./stats.js";

const options = readJson("cohort-options", { devices: [], model_versions: [] });
const root = document.querySelector("[data-cohort-page]");
const form = root.querySelector("[data-filters]");
const $ = (selector) => root.querySelector(selector);
const DEBOUNCE_MS = 250;

let current = {};
let inFlight = null;
let timer = null;

const currentFilters = () => filtersFromEntries(new FormData(form).entries());

function say(text) {
  const box = $("[data-message]");
  box.textContent = text ?? "";
  box.hidden = !text;
}

const number = (value, digits = 1) => (typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : "–");
const flag = (value) => (value === true ? "yes" : value === false ? "no" : "–");

function previewRow(row) {
  return el(
    "tr",
    { "data-image-id": row.image_id },
    el("td", { class: "mono", text: row.pseudonym }),
    el("td", { text: row.sex || "–" }),
    el("td", { class: "num", text: row.age_years ?? "–" }),
    el("td", { class: "cohort-device", text: row.device }),
    el("td", { text: row.level || "–" }),
    el("td", { text: (row.level_source ?? "").replace("_", " ") || "–" }),
    el("td", { class: "num", text: number(row.sma_cm2) }),
    el("td", { class: "num", text: number(row.smi_cm2_m2) }),
    el("td", { class: "num", text: number(row.muscle_mean_hu) }),
    el("td", { text: flag(row.sarcopenia_prado2008) }),
    el("td", { text: flag(row.myosteatosis_martin2013) }),
    row.source === "model"
      ? el("td", { title: `prediction of model version ${row.model_version}`, text: "model" })
      : el("td", { title: "an accepted annotation", text: "accepted" }),
  );
}

function apiExample(filters) {
  const origin = window.location.origin;
  return [
    `curl -H "Authorization: Token $TOKEN" -H "Content-Type: application/json" \\`,
    `  -d '${JSON.stringify({ format: "csv", filters })}' ${origin}/api/exports/`,
    `curl -H "Authorization: Token $TOKEN" ${origin}/api/exports/ID/            # until "state": "succeeded"`,
    `curl -H "Authorization: Token $TOKEN" -OJ ${origin}/api/exports/ID/download`,
  ].join("\n");
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// unit=subject: the count is subjects (rows are subject-study pairs at L3); unit=image: images.
function renderCounts({ unit, count, subjects, by_source: bySource }) {
  const sources = `${plural(bySource.annotation, "accepted annotation")} · ${bySource.model} model`;
  if (unit === "image") {
    $("[data-count]").textContent = plural(count, "image");
    $("[data-count-detail]").textContent = `· ${plural(subjects, "subject")} · ${sources}`;
  } else {
    $("[data-count]").textContent = plural(subjects, "subject");
    $("[data-count-detail]").textContent = `· ${count} ${count === 1 ? "study" : "studies"} measured at L3 · ${sources}`;
  }
}

// Subjects the filter selects whose study has no L3 measurement: how many, and which (by pseudonym).
function renderWithoutL3(withoutL3) {
  const box = $("[data-without-l3]");
  box.hidden = !withoutL3?.studies.length;
  if (box.hidden) return;
  $("[data-without-l3-count]").textContent = `${plural(withoutL3.subjects, "subject")} without an L3 measurement`;
  $("[data-without-l3-list]").replaceChildren(
    ...withoutL3.studies.map((study) =>
      el("li", {}, el("span", { class: "mono", text: study.pseudonym }), ` · ${study.study_year ?? "year unknown"} · ${study.reason}`),
    ),
  );
}

function render(preview) {
  const { count, rows, points } = preview;
  renderCounts(preview);
  renderWithoutL3(preview.without_l3);
  $("[data-description]").textContent = describeFilters(current, options);
  const groups = smiGroups(points);
  $("[data-plot-smi]").innerHTML = smiBoxPlot(groups);
  // Many sex x scanner boxes: the SMI plot takes the whole row, so every scanner's name fits under its box.
  $("[data-plot-smi]").closest("figure").classList.toggle("cohort-plot-wide", groups.filter((group) => group.summary).length > 4);
  $("[data-plot-hu]").innerHTML = huHistogram(histogram(points.muscle_hu, { bins: 24 }));
  $("[data-preview]").replaceChildren(
    ...(rows.length ? rows.map(previewRow) : [el("tr", {}, el("td", { colspan: 12, class: "muted", text: preview.unit === "image" ? "No measured image matches." : "No subject has a matching L3 measurement." }))]),
  );
  $("[data-preview-note]").textContent = count > rows.length ? `(first ${rows.length} of ${count})` : "";
  $("[data-api-example]").textContent = apiExample(current);
  for (const button of root.querySelectorAll("[data-export]")) button.disabled = count === 0;
  root.dataset.state = "ready";
  root.dataset.count = String(count);
}

async function refresh() {
  current = currentFilters();
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  root.dataset.state = "loading";
  try {
    const preview = await getJson(`/api/cohorts/preview?${queryString(current)}`, { signal: controller.signal });
    if (controller !== inFlight) return;
    say("");
    render(preview);
  } catch (error) {
    if (error?.name === "AbortError" || controller !== inFlight) return;
    say(error.message);
    showNoCohort();
  }
}

// A refused filter selects no cohort: no count from the previous one, nothing to export.
function showNoCohort() {
  $("[data-count]").textContent = "No cohort";
  $("[data-count-detail]").textContent = "· fix the filter above";
  $("[data-preview]").replaceChildren(el("tr", {}, el("td", { colspan: 12, class: "muted", text: "No preview: the filter is not valid." })));
  $("[data-without-l3]").hidden = true;
  $("[data-preview-note]").textContent = "";
  $("[data-description]").textContent = "";
  for (const plot of root.querySelectorAll("[data-plot-smi], [data-plot-hu]")) plot.replaceChildren();
  for (const button of root.querySelectorAll("[data-export]")) button.disabled = true;
  root.dataset.state = "error";
  delete root.dataset.count;
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, DEBOUNCE_MS);
}

// --- saved cohorts ---------------------------------------------------------------------------------

let saved = [];

async function loadSaved(selectId = null) {
  saved = await getJson("/api/cohorts/definitions/");
  const list = $("[data-saved-list]");
  list.replaceChildren(
    ...(saved.length
      ? saved.map((definition) => el("option", { value: definition.id, text: definition.name }))
      : [el("option", { value: "", text: "No saved cohorts" })]),
  );
  if (selectId != null) list.value = String(selectId);
}

function applyFilters(filters) {
  form.reset();
  for (const [name, value] of filterEntries(filters)) {
    const fields = form.querySelectorAll(`[name="${name}"]`);
    for (const field of fields) {
      if (field.type === "checkbox") field.checked = field.checked || field.value === value;
      else field.value = value;
    }
  }
  refresh();
}

async function saveCurrent() {
  const name = $("[data-save-name]").value.trim();
  if (!name) return say("Name the cohort before saving it.");
  try {
    const definition = await postJson("/api/cohorts/definitions/", { name, filters: currentFilters() });
    await loadSaved(definition.id);
    $("[data-save-name]").value = "";
    say("");
  } catch (error) {
    say(error.message);
  }
}

function selectedDefinition() {
  return saved.find((definition) => String(definition.id) === $("[data-saved-list]").value);
}

async function deleteSelected() {
  const definition = selectedDefinition();
  if (!definition) return;
  try {
    await request("DELETE", `/api/cohorts/definitions/${definition.id}/`);
    await loadSaved();
  } catch (error) {
    say(error.message);
  }
}

// --- exports -----------------------------------------------------------------------------------------

const kilobytes = (bytes) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`);
const STATE_WORDS = { queued: "Waiting for a worker", running: "Writing", succeeded: "Ready", failed: "Failed", cancelled: "Cancelled" };

function downloadLink(exported) {
  return el("a", { href: exported.download_url, download: "", "data-download": exported.format, text: `Download ${exported.format.toUpperCase()} export #${exported.id}` });
}

function showExport(exported) {
  const percent = progressPercent(exported);
  $("[data-export-progress]").hidden = false;
  $("[data-export-bar]").value = percent;
  $("[data-export-text]").textContent = `${STATE_WORDS[exported.state] ?? exported.state} · ${percent}%`;
  const result = $("[data-export-result]");
  if (exported.state === "succeeded") {
    result.hidden = false;
    result.replaceChildren(
      downloadLink(exported),
      el("span", { class: "muted", text: ` · ${exported.row_count} rows · ${kilobytes(exported.size_bytes)} · sha256 ${exported.sha256.slice(0, 12)}…` }),
    );
  } else if (exported.state === "failed" || exported.state === "cancelled") {
    result.hidden = false;
    result.replaceChildren(el("span", { class: "error", text: exported.error || `The export ${exported.state}.` }));
  }
}

let poller = null;

async function startExport(format) {
  poller?.stop();
  $("[data-export-result]").hidden = true;
  try {
    const exported = await postJson("/api/exports/", { format, filters: currentFilters() });
    showExport(exported);
    poller = createPoller({
      load: () => getJson(`/api/exports/${exported.id}/`),
      onUpdate: (update) => {
        showExport(update);
        if (update.state === "succeeded" || update.state === "failed") loadExports();
      },
      onError: (error) => say(error.message),
    });
    if (!["succeeded", "failed", "cancelled"].includes(exported.state)) poller.start(300);
    else loadExports();
  } catch (error) {
    say(error.message);
  }
}

async function loadExports() {
  const exports = await getJson("/api/exports/?limit=10");
  $("[data-exports]").replaceChildren(
    ...(exports.length
      ? exports.map((exported) =>
          el(
            "tr",
            {},
            el("td", { class: "num", text: exported.id }),
            el("td", { text: new Date(exported.created_at).toLocaleString() }),
            el("td", { text: exported.created_by ?? "–" }),
            el("td", { text: exported.format }),
            el("td", { class: "num", text: exported.row_count ?? "–" }),
            el("td", { text: STATE_WORDS[exported.state] ?? exported.state }),
            el("td", { class: "mono", text: exported.sha256 ? `${exported.sha256.slice(0, 16)}…` : "" }),
            el("td", {}, exported.download_url ? downloadLink(exported) : ""),
          ),
        )
      : [el("tr", {}, el("td", { colspan: 8, class: "muted", text: "No exports yet." }))]),
  );
}

form.addEventListener("input", schedule);
form.addEventListener("change", schedule);
form.addEventListener("reset", () => setTimeout(refresh, 0));
form.addEventListener("submit", (event) => event.preventDefault());
$("[data-save]").addEventListener("click", saveCurrent);
$("[data-load]").addEventListener("click", () => {
  const definition = selectedDefinition();
  if (definition) applyFilters(definition.filters);
});
$("[data-delete]").addEventListener("click", deleteSelected);
for (const button of root.querySelectorAll("[data-export]")) {
  button.addEventListener("click", () => startExport(button.dataset.export));
}

refresh();
loadSaved().catch((error) => say(error.message));
loadExports().catch((error) => say(error.message));
