// Wording for the study's results: numbers with units, flags with their reference, where a number
// came from. Pure; no DOM, so node --test covers it.

/** "27.0 cm²", or the fallback when the value is unknown. */
export function formatValue(value, unit, { digits = 1, fallback = "—" } = {}) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return fallback;
  return `${Number(value).toFixed(digits)}${unit ? ` ${unit}` : ""}`;
}

/** "Prado 2008 (Lancet Oncol 9:629)" -> "Prado 2008". */
export function shortReference(reference) {
  return String(reference ?? "").split(" (")[0];
}

const MEASURE_NAMES = { smi_cm2_m2: "SMI", mean_muscle_hu: "muscle HU" };

/** { state: "yes" | "no" | "unknown" | "not-a-finding", text } for one flag of the results API. A flag from a
 * measurement that cannot be vouched for (unverified model) is shown with its numbers but never as a finding. */
export function flagText(flag) {
  const reference = shortReference(flag.reference);
  if (!flag.known) return { state: "unknown", text: `not decided (${reference}): ${flag.reason}` };
  const measure = MEASURE_NAMES[flag.measure] ?? flag.measure;
  const comparison = flag.flagged ? "<" : "≥";
  const value = `${measure} ${formatValue(flag.value, "")} ${comparison} ${flag.threshold}`;
  if (flag.finding === false) return { state: "not-a-finding", text: `${flag.reason} (${value}; ${flag.rule}; ${reference})` };
  return { state: flag.flagged ? "yes" : "no", text: `${flag.flagged ? "yes" : "no"}: ${value} (${flag.rule}; ${reference})` };
}

const TRUST_TITLES = {
  unverified: "Unverified: no evaluated model for this scanner",
  implausible: "Implausible measurement: not a finding",
};

/** The warning a measurement's trust needs, or null when it can be vouched for:
 * { state: "unverified" | "implausible", title, lines } (lines: the failed checks and the reason). */
export function trustWarning(trust) {
  if (!trust || trust.status === "verified") return null;
  return { state: trust.status, title: TRUST_TITLES[trust.status] ?? trust.summary, lines: trust.warnings ?? [] };
}

/** "Image 3 of 20", with " · L3" for the marked slice; in a study of several scanners, the slice's scanner too
 * ("Image 1 of 1 · GE LightSpeed16"), or four series of one image each read the same. */
export function sliceLabel(slice, { withDevice = false } = {}) {
  const device = withDevice && slice.device ? ` · ${slice.device}` : "";
  return `Image ${slice.index + 1} of ${slice.series_length}${device}${slice.level ? ` · ${slice.level}` : ""}`;
}

/** The study's L3 measurement when it averages the L3 slice with its neighbours (l3_measurement of the
 * results API), or null for the L3 slice alone: "L3: mean of 3 slices within ±5 mm: SMA 120.3 cm², ...". */
export function l3WindowText(l3) {
  if (!l3 || !l3.neighbours_mm) return null;
  const count = l3.slices.length;
  const waiting = l3.complete ? "" : ` (${l3.measured} measured so far)`;
  const smi = l3.smi_cm2_m2 === null || l3.smi_cm2_m2 === undefined ? "" : `, SMI ${formatValue(l3.smi_cm2_m2, "cm²/m²")}`;
  return `L3: mean of ${count} slice${count === 1 ? "" : "s"} within ±${l3.neighbours_mm} mm${waiting}: SMA ${formatValue(l3.sma_cm2, "cm²")}, muscle HU ${formatValue(l3.mean_muscle_hu, "HU")}${smi}`;
}

/** Centimetres typed in a form to metres for the API; null for an empty or unusable field. */
export function centimetresToMetres(text) {
  const value = Number.parseFloat(String(text ?? "").replace(",", "."));
  return Number.isFinite(value) && value > 0 ? Math.round(value * 10) / 1000 : null;
}

/** The subject body form's fields -> the PATCH body: only the fields given. */
export function subjectPatch({ sex, heightCm, weightKg }) {
  const body = {};
  if (sex === "M" || sex === "F") body.sex = sex;
  const height = centimetresToMetres(heightCm);
  if (height !== null) body.height_m = height;
  const weight = Number.parseFloat(String(weightKg ?? "").replace(",", "."));
  if (Number.isFinite(weight) && weight > 0) body.weight_kg = weight;
  return body;
}
