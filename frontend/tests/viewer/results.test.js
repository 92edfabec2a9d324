import { test } from "node:test";
import assert from "node:assert/strict";
import { LABEL_COLOURS, OVERLAY_ALPHA, overlayPixels } from "../../static/js/viewer/overlay.js";
import { centimetresToMetres, flagText, formatValue, l3WindowText, shortReference, sliceLabel, subjectPatch, trustWarning } from "../../static/js/viewer/results-format.js";

test("labels become translucent colours and background stays clear", () => {
  const rgba = new Uint8ClampedArray([0, 0, 0, 255, 1, 1, 1, 255, 2, 2, 2, 255, 7, 7, 7, 255]);
  const { pixels, counts } = overlayPixels(rgba);
  assert.deepEqual([...pixels.slice(0, 4)], [0, 0, 0, 0]);
  assert.deepEqual([...pixels.slice(4, 8)], [...LABEL_COLOURS[1].rgb, OVERLAY_ALPHA]);
  assert.deepEqual([...pixels.slice(8, 12)], [...LABEL_COLOURS[2].rgb, OVERLAY_ALPHA]);
  assert.deepEqual([...pixels.slice(12, 16)], [0, 0, 0, 0], "an unknown label is not drawn");
  assert.deepEqual(counts, { muscle: 1, liver: 1 });
});

test("values carry their unit, unknown ones a dash", () => {
  assert.equal(formatValue(27.04, "cm²"), "27.0 cm²");
  assert.equal(formatValue(null, "cm²"), "—");
  assert.equal(formatValue(undefined, "HU", { fallback: "needs height" }), "needs height");
  assert.equal(formatValue(3.14159, "", { digits: 2 }), "3.14");
});

test("a flag names its threshold, its band and its reference", () => {
  const flag = {
    known: true, flagged: true, measure: "smi_cm2_m2", value: 41.23, threshold: 52.4, rule: "men",
    reference: "Prado 2008 (Lancet Oncol 9:629)",
  };
  assert.deepEqual(flagText(flag), { state: "yes", text: "yes: SMI 41.2 < 52.4 (men; Prado 2008)" });
  assert.equal(flagText({ ...flag, flagged: false, value: 60 }).text, "no: SMI 60.0 ≥ 52.4 (men; Prado 2008)");
});

test("an undecided flag says what is missing", () => {
  const flag = { known: false, reason: "needs the height (for SMI)", reference: "Prado 2008 (Lancet Oncol 9:629)" };
  assert.deepEqual(flagText(flag), { state: "unknown", text: "not decided (Prado 2008): needs the height (for SMI)" });
  assert.equal(shortReference("Martin 2013 (J Clin Oncol 31:1539)"), "Martin 2013");
});

test("slices are counted from one and the marked one says L3", () => {
  assert.equal(sliceLabel({ index: 2, series_length: 20, level: "L3" }), "Image 3 of 20 · L3");
  assert.equal(sliceLabel({ index: 0, series_length: 1, level: null }), "Image 1 of 1");
});

test("in a study of several scanners a slice's label names its scanner", () => {
  const slice = { index: 0, series_length: 1, level: "L3", device: "GE LightSpeed16" };
  assert.equal(sliceLabel(slice, { withDevice: true }), "Image 1 of 1 · GE LightSpeed16 · L3");
  assert.equal(sliceLabel(slice), "Image 1 of 1 · L3");
});

test("the body form sends metres and only the fields filled in", () => {
  assert.equal(centimetresToMetres("178"), 1.78);
  assert.equal(centimetresToMetres("172,5"), 1.725);
  assert.equal(centimetresToMetres(""), null);
  assert.deepEqual(subjectPatch({ sex: "", heightCm: "165", weightKg: "" }), { height_m: 1.65 });
  assert.deepEqual(subjectPatch({ sex: "F", heightCm: "", weightKg: "61.5" }), { sex: "F", weight_kg: 61.5 });
});

test("a flag from an unverified model keeps its numbers but is not a finding", () => {
  const flag = { known: true, finding: false, flagged: true, value: 41.2, threshold: 52.4, measure: "smi_cm2_m2", rule: "men", reference: "Prado 2008 (Lancet Oncol 9:629)", reason: "not a finding: unverified model on this scanner" };
  assert.deepEqual(flagText(flag), { state: "not-a-finding", text: "not a finding: unverified model on this scanner (SMI 41.2 < 52.4; men; Prado 2008)" });
});

test("an unverified or implausible measurement gets a warning with its reasons; a verified one none", () => {
  assert.equal(trustWarning({ status: "verified", warnings: [] }), null);
  assert.equal(trustWarning(undefined), null);
  const warning = trustWarning({ status: "unverified", warnings: ["unverified: base-v1 was never evaluated on GE LightSpeed"] });
  assert.equal(warning.title, "Unverified: no evaluated model for this scanner");
  assert.deepEqual(warning.lines, ["unverified: base-v1 was never evaluated on GE LightSpeed"]);
  assert.equal(trustWarning({ status: "implausible", warnings: ["mask_size: the muscle mask is empty"] }).state, "implausible");
});

test("an L3 measurement averaged over neighbours names how many slices, how far, and the means", () => {
  const slices = [{ image_id: 1 }, { image_id: 2 }, { image_id: 3 }];
  const l3 = { neighbours_mm: 5, slices, measured: 3, complete: true, sma_cm2: 120.26, mean_muscle_hu: 38.04, smi_cm2_m2: null };
  assert.equal(l3WindowText(l3), "L3: mean of 3 slices within ±5 mm: SMA 120.3 cm², muscle HU 38.0 HU");
  assert.match(l3WindowText({ ...l3, smi_cm2_m2: 41.2 }), /, SMI 41\.2 cm²\/m²$/);
  assert.match(l3WindowText({ ...l3, measured: 1, complete: false }), /\(1 measured so far\)/);
  assert.equal(l3WindowText({ ...l3, neighbours_mm: 0, slices: [{ image_id: 2 }] }), null, "the L3 slice alone needs no words");
});
