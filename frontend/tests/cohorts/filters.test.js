import { test } from "node:test";
import assert from "node:assert/strict";
import { describeFilters, filterEntries, filtersFromEntries, queryString, sameFilters } from "../../static/js/cohorts/filters.js";

test("form entries become the API's filter: lists of ids, numbers, empty values dropped", () => {
  const filters = filtersFromEntries([
    ["device", "3"],
    ["device", "1"],
    ["device", "3"],
    ["sex", "F"],
    ["age_min", "60"],
    ["age_max", ""],
    ["split", ""],
    ["csrfmiddlewaretoken", "x"],
  ]);
  assert.deepEqual(filters, { device: [1, 3], sex: "F", age_min: 60 });
});

test("the sarcopenia reference only travels with a sarcopenia choice", () => {
  assert.deepEqual(filtersFromEntries([["sarcopenia_reference", "martin2013"]]), {});
  assert.deepEqual(filtersFromEntries([["sarcopenia", "yes"], ["sarcopenia_reference", "martin2013"]]), {
    sarcopenia: "yes",
    sarcopenia_reference: "martin2013",
  });
});

test("a number that is not a whole number is dropped rather than sent", () => {
  assert.deepEqual(filtersFromEntries([["age_min", "6o"], ["device", "1.5"]]), {});
});

test("the query string repeats list keys and round-trips through entries", () => {
  const filters = { device: [1, 3], sex: "M", year_from: 2024 };
  assert.equal(queryString(filters), "device=1&device=3&sex=M&year_from=2024");
  assert.deepEqual(filtersFromEntries(filterEntries(filters)), filters);
  assert.equal(queryString({}), "");
});

test("two filters are the same whatever the key order", () => {
  assert.ok(sameFilters({ sex: "F", device: [2] }, { device: [2], sex: "F" }));
  assert.ok(!sameFilters({ sex: "F" }, { sex: "M" }));
});

test("the description names the choices in words", () => {
  const options = { devices: [{ id: 1, name: "GE LightSpeed16" }], model_versions: [{ id: 4, name: "vnet-ge-1" }] };
  assert.equal(describeFilters({}), "Every subject and study at L3");
  assert.equal(describeFilters({ unit: "image" }), "Every measured image");
  assert.equal(
    describeFilters({ sex: "F", age_min: 60, age_max: 80, device: [1, 9], model_version: [4], sarcopenia: "yes" }, options),
    "Women · 60–80 years · GE LightSpeed16, #9 · model vnet-ge-1 · sarcopenia yes (Prado 2008)",
  );
  assert.equal(describeFilters({ age_max: 50, source: "annotation" }), "up to 50 years · accepted annotations only");
});

test("the trust filter travels in the query and reads as words", () => {
  const filters = filtersFromEntries([["qa", "trusted"], ["sex", "F"]]);
  assert.deepEqual(filters, { sex: "F", qa: "trusted" });
  assert.equal(queryString(filters), "sex=F&qa=trusted");
  assert.equal(describeFilters(filters), "Women · verified and plausible only");
});

test("the unit travels with the filter so a saved cohort keeps its rows per subject or per image", () => {
  assert.deepEqual(filtersFromEntries([["unit", "image"], ["sex", "F"]]), { unit: "image", sex: "F" });
  assert.ok(queryString({ unit: "image" }).includes("unit=image"));
});

test("the L3 sources a researcher ticks become one sorted list that survives the query string and reads as words", () => {
  const filters = filtersFromEntries([["level_source", "manual_override"], ["level_source", "confirmed"], ["level_source", "confirmed"]]);
  assert.deepEqual(filters, { level_source: ["confirmed", "manual_override"] });
  assert.equal(queryString(filters), "level_source=confirmed&level_source=manual_override");
  assert.deepEqual(filtersFromEntries(filterEntries(filters)), filters);
  assert.equal(describeFilters(filters), "L3 confirmed or manual override");
});
