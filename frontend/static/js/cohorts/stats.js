// Summaries for the cohort plots: quartiles per group and histogram bins. Pure, no DOM.
//
// API
//   quantile(sorted, q)                  linear interpolation between closest ranks
//   summary(values)                      -> { n, min, q1, median, q3, max } of the finite values, or null
//   smiGroups(points)                    points = { sex: [], device: [], smi: [] } -> one box per sex and device
//   histogram(values, { bins, domain })  -> { bins: [{ from, to, count }], missing }

const SEX_LABELS = { F: "Women", M: "Men", "": "Sex unknown" };
const SEX_ORDER = ["F", "M", ""];

export const finite = (values) => values.filter((value) => typeof value === "number" && Number.isFinite(value));

export function quantile(sorted, q) {
  if (!sorted.length) return null;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export function summary(values) {
  const sorted = finite(values).sort((a, b) => a - b);
  if (!sorted.length) return null;
  return {
    n: sorted.length,
    min: sorted[0],
    q1: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    q3: quantile(sorted, 0.75),
    max: sorted[sorted.length - 1],
  };
}

/** One group per (sex, device) with an SMI, women then men then unknown, devices by name. */
export function smiGroups(points = {}) {
  const groups = new Map();
  (points.smi ?? []).forEach((smi, index) => {
    if (typeof smi !== "number" || !Number.isFinite(smi)) return;
    const sex = points.sex?.[index] ?? "";
    const device = points.device?.[index] ?? "unknown device";
    const key = `${sex}\u0000${device}`;
    if (!groups.has(key)) groups.set(key, { sex, device, values: [] });
    groups.get(key).values.push(smi);
  });
  return [...groups.values()]
    .sort((a, b) => SEX_ORDER.indexOf(a.sex) - SEX_ORDER.indexOf(b.sex) || a.device.localeCompare(b.device))
    .map((group) => ({
      sex: group.sex,
      device: group.device,
      label: `${SEX_LABELS[group.sex] ?? group.sex} · ${group.device}`,
      summary: summary(group.values),
    }));
}

export function histogram(values, { bins = 20, domain = null } = {}) {
  const present = finite(values);
  const missing = values.length - present.length;
  if (!present.length) return { bins: [], missing };
  let [low, high] = domain ?? [Math.min(...present), Math.max(...present)];
  if (high === low) [low, high] = [low - 0.5, high + 0.5];
  const width = (high - low) / bins;
  const counts = new Array(bins).fill(0);
  for (const value of present) {
    if (value < low || value > high) continue;
    counts[Math.min(bins - 1, Math.floor((value - low) / width))] += 1;
  }
  return { bins: counts.map((count, i) => ({ from: low + i * width, to: low + (i + 1) * width, count })), missing };
}
