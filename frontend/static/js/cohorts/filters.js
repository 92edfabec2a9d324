// Cohort filters: the form's values <-> the API's filter object <-> a query string. Pure, no DOM.
//
// API
//   LIST_KEYS, FILTER_KEYS
//   filtersFromEntries(entries)       [[name, value], ...] (FormData entries) -> filter object, empty keys dropped
//   queryString(filters)              -> "sex=F&device=1&device=3" (list keys repeat)
//   filterEntries(filters)            -> [[name, value], ...] to put a saved filter back into the form
//   describeFilters(filters, options) -> a short sentence: "Women · 60–80 years · GE LightSpeed16"
//   sameFilters(a, b)                 -> true when both select the same cohort

export const LIST_KEYS = Object.freeze(["device", "model_version"]);
const WORD_LIST_KEYS = new Set(["level_source"]); // lists of words, not ids
const NUMBER_KEYS = new Set(["age_min", "age_max", "year_from", "year_to"]);
export const FILTER_KEYS = Object.freeze([
  "unit",
  "device",
  "sex",
  "age_min",
  "age_max",
  "year_from",
  "year_to",
  "split",
  "level",
  "level_source",
  "source",
  "model_version",
  "sarcopenia",
  "sarcopenia_reference",
  "myosteatosis",
  "qa",
]);

function cleanValue(key, raw) {
  const text = String(raw ?? "").trim();
  if (!text) return null;
  if (LIST_KEYS.includes(key) || NUMBER_KEYS.has(key)) {
    const number = Number(text);
    return Number.isInteger(number) ? number : null;
  }
  return text;
}

/** The filter object the API takes, from form entries; unknown names and empty values are dropped. */
export function filtersFromEntries(entries) {
  const filters = {};
  for (const [key, raw] of entries) {
    if (!FILTER_KEYS.includes(key)) continue;
    const value = cleanValue(key, raw);
    if (value == null) continue;
    if (LIST_KEYS.includes(key)) filters[key] = [...new Set([...(filters[key] ?? []), value])].sort((a, b) => a - b);
    else if (WORD_LIST_KEYS.has(key)) filters[key] = [...new Set([...(filters[key] ?? []), value])].sort();
    else filters[key] = value;
  }
  if (!filters.sarcopenia) delete filters.sarcopenia_reference; // the reference only qualifies the flag
  return filters;
}

export function filterEntries(filters = {}) {
  const entries = [];
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value == null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) entries.push([key, String(item)]);
  }
  return entries;
}

export function queryString(filters = {}) {
  return new URLSearchParams(filterEntries(filters)).toString();
}

const SEX_WORDS = { F: "Women", M: "Men", unknown: "Sex unknown" };
const SOURCE_WORDS = { annotation: "accepted annotations only", model: "model measurements only" };
const REFERENCE_WORDS = { prado2008: "Prado 2008", martin2013: "Martin 2013" };
const QA_WORDS = { plausible: "plausible only", verified: "verified only", trusted: "verified and plausible only" };

function ageWords(min, max) {
  if (min != null && max != null) return `${min}–${max} years`;
  if (min != null) return `${min} years and over`;
  return max != null ? `up to ${max} years` : "";
}

function nameList(ids = [], named = []) {
  const byId = new Map(named.map((entry) => [entry.id, entry.name]));
  return ids.map((id) => byId.get(id) ?? `#${id}`).join(", ");
}

export function describeFilters(filters = {}, options = {}) {
  const parts = [
    SEX_WORDS[filters.sex],
    ageWords(filters.age_min, filters.age_max),
    filters.device?.length ? nameList(filters.device, options.devices) : "",
    filters.year_from || filters.year_to ? `studies ${filters.year_from ?? "…"} to ${filters.year_to ?? "…"}` : "",
    filters.split ? `${filters.split} split` : "",
    filters.level === "L3" ? "marked L3 slices" : "",
    filters.level_source?.length ? `L3 ${filters.level_source.map((source) => source.replace("_", " ")).join(" or ")}` : "",
    SOURCE_WORDS[filters.source],
    filters.model_version?.length ? `model ${nameList(filters.model_version, options.model_versions)}` : "",
    filters.sarcopenia
      ? `sarcopenia ${filters.sarcopenia} (${REFERENCE_WORDS[filters.sarcopenia_reference ?? "prado2008"]})`
      : "",
    filters.myosteatosis ? `myosteatosis ${filters.myosteatosis} (Martin 2013)` : "",
    QA_WORDS[filters.qa],
  ].filter(Boolean);
  const everyone = filters.unit === "image" ? "Every measured image" : "Every subject and study at L3";
  return parts.length ? parts.join(" · ") : everyone;
}

export function sameFilters(a = {}, b = {}) {
  return queryString(a) === queryString(b);
}
