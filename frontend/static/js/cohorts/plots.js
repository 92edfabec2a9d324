// The cohort plots as inline SVG markup (strings), from the summaries of stats.js. Pure, no DOM.
//
// API
//   niceTicks(low, high, count?, { integer? }) -> round tick values covering [low, high]
//   fitLabel(text, widthPx)       -> text, shortened with "…" to fit under a box
//   wrapLabel(text, widthPx, maxLines?) -> lines of whole words that fit widthPx ("…" only past maxLines)
//   smiBoxPlot(groups)            box per sex x device (whiskers min..max), Prado 2008 cut-offs dashed
//   huHistogram(hist)             muscle attenuation histogram, Martin 2013 myosteatosis cut-offs dashed
//   escapeXml(text)

import { fitLabel, wrapLabel } from "../core/text-fit.js";

export { fitLabel, wrapLabel };

const WIDTH = 480;
const HEIGHT = 290;
const MARGIN = { top: 22, right: 14, bottom: 64, left: 52 };
const PLOT = { left: MARGIN.left, right: WIDTH - MARGIN.right, top: MARGIN.top, bottom: HEIGHT - MARGIN.bottom };
// The SMI boxes get a slot wide enough for a scanner's name in up to three lines ("SIEMENS / SOMATOM /
// Definition Edge"): the plot grows with the number of boxes, and the page gives it the whole row.
const SMI_SLOT = 124;
const SMI_LABEL_LINES = 3;
const SMI_HEIGHT = HEIGHT + 15 * (SMI_LABEL_LINES - 1);
export const SEX_COLOURS = { F: "#8e4ec6", M: "#0f6b85", "": "#8b96a0" };
const SEX_WORDS = { F: "Women", M: "Men", "": "Sex unknown" };
const SMI_CUTOFFS = [
  { value: 52.4, label: "Prado men 52.4", colour: SEX_COLOURS.M },
  { value: 38.5, label: "Prado women 38.5", colour: SEX_COLOURS.F },
];
const HU_CUTOFFS = [
  { value: 41, label: "41 HU (BMI < 25)" },
  { value: 33, label: "33 HU (BMI ≥ 25)" },
];

export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "–");

export function niceTicks(low, high, count = 5, { integer = false } = {}) {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(integer ? 1 : 0, [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw));
  const ticks = [];
  for (let tick = Math.floor(low / step) * step; tick <= high + step * 1e-9; tick += step) ticks.push(Number(tick.toFixed(10)));
  if (ticks[ticks.length - 1] < high) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

function frame(title, body, kind, width = WIDTH, height = HEIGHT) {
  return `<svg class="cohort-plot" data-plot="${kind}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}" xmlns="http://www.w3.org/2000/svg"><title>${escapeXml(title)}</title>${body}</svg>`;
}

function empty(title, kind, sentence) {
  return frame(title, `<text class="cohort-plot-empty" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">${escapeXml(sentence)}</text>`, kind);
}

function yAxis(ticks, y, label, plot = PLOT) {
  const lines = ticks.map(
    (tick) =>
      `<line class="cohort-plot-grid" x1="${plot.left}" x2="${plot.right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}"/>` +
      `<text class="cohort-plot-tick" x="${plot.left - 6}" y="${y(tick).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${escapeXml(tick)}</text>`,
  );
  const middle = (plot.top + plot.bottom) / 2;
  return `${lines.join("")}<text class="cohort-plot-axis" x="${-middle}" y="14" transform="rotate(-90)" text-anchor="middle">${escapeXml(label)}</text>`;
}

function scale(domain, range) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  return (value) => r0 + ((value - d0) / (d1 - d0 || 1)) * (r1 - r0);
}

function cutoffLine(y, { value, label, colour = "#b3261e" }, plot = PLOT) {
  const at = y(value).toFixed(1);
  return `<g class="cohort-plot-cutoff"><line x1="${plot.left}" x2="${plot.right}" y1="${at}" y2="${at}" stroke="${colour}" stroke-dasharray="5 4"/><text x="${plot.right - 4}" y="${(Number(at) - 4).toFixed(1)}" text-anchor="end" fill="${colour}">${escapeXml(label)}</text></g>`;
}

/** Boxes of SMI by sex and device; `groups` from stats.smiGroups. */
export function smiBoxPlot(groups = []) {
  const title = "Skeletal muscle index by sex and device";
  const shown = groups.filter((group) => group.summary);
  if (!shown.length) return empty(title, "smi", "No SMI in this cohort (height unknown?)");
  const values = shown.flatMap((group) => [group.summary.min, group.summary.max]).concat(SMI_CUTOFFS.map((c) => c.value));
  const ticks = niceTicks(Math.min(...values), Math.max(...values));
  const width = Math.max(WIDTH, MARGIN.left + MARGIN.right + SMI_SLOT * shown.length);
  const plot = { ...PLOT, right: width - MARGIN.right };
  const y = scale([ticks[0], ticks[ticks.length - 1]], [plot.bottom, plot.top]);
  const slot = (plot.right - plot.left) / shown.length;
  const boxWidth = Math.min(56, slot * 0.55);
  const boxes = shown.map((group, index) => {
    const { n, min, q1, median, q3, max } = group.summary;
    const centre = plot.left + slot * (index + 0.5);
    const deviceLines = wrapLabel(group.device, slot - 6);
    const deviceText = deviceLines.map((line, i) => `<tspan x="${centre.toFixed(1)}" dy="${i ? 15 : 0}">${escapeXml(line)}</tspan>`).join("");
    const left = centre - boxWidth / 2;
    const colour = SEX_COLOURS[group.sex] ?? SEX_COLOURS[""];
    const tip = `${group.label}: n ${n}, median ${fmt(median)}, quartiles ${fmt(q1)}–${fmt(q3)}, range ${fmt(min)}–${fmt(max)} cm²/m²`;
    return (
      `<g class="cohort-box" data-sex="${escapeXml(group.sex)}" data-device="${escapeXml(group.device)}" data-n="${n}"><title>${escapeXml(tip)}</title>` +
      `<line class="cohort-box-whisker" x1="${centre.toFixed(1)}" x2="${centre.toFixed(1)}" y1="${y(max).toFixed(1)}" y2="${y(min).toFixed(1)}" stroke="${colour}"/>` +
      `<rect x="${left.toFixed(1)}" y="${y(q3).toFixed(1)}" width="${boxWidth.toFixed(1)}" height="${Math.max(1, y(q1) - y(q3)).toFixed(1)}" fill="${colour}" fill-opacity="0.25" stroke="${colour}"/>` +
      `<line class="cohort-box-median" x1="${left.toFixed(1)}" x2="${(left + boxWidth).toFixed(1)}" y1="${y(median).toFixed(1)}" y2="${y(median).toFixed(1)}" stroke="${colour}" stroke-width="2.5"/>` +
      `<text class="cohort-plot-category" x="${centre.toFixed(1)}" y="${plot.bottom + 16}" text-anchor="middle">${deviceText}</text>` +
      `<text class="cohort-plot-category" x="${centre.toFixed(1)}" y="${plot.bottom + 16 + 15 * deviceLines.length}" text-anchor="middle" fill="${colour}">${escapeXml(fitLabel(`${SEX_WORDS[group.sex] ?? group.sex} (n ${n})`, slot - 4))}</text></g>`
    );
  });
  const body = yAxis(ticks, y, "SMI (cm²/m²)", plot) + SMI_CUTOFFS.map((cutoff) => cutoffLine(y, cutoff, plot)).join("") + boxes.join("");
  return frame(title, body, "smi", width, SMI_HEIGHT);
}

/** Bars of muscle attenuation; `hist` from stats.histogram. */
export function huHistogram(hist = { bins: [], missing: 0 }) {
  const title = "Mean muscle attenuation";
  if (!hist.bins.length) return empty(title, "hu", "No muscle attenuation in this cohort");
  const low = Math.min(hist.bins[0].from, ...HU_CUTOFFS.map((c) => c.value - 2));
  const high = Math.max(hist.bins[hist.bins.length - 1].to, ...HU_CUTOFFS.map((c) => c.value + 2));
  const x = scale([low, high], [PLOT.left, PLOT.right]);
  const countTicks = niceTicks(0, Math.max(1, ...hist.bins.map((bin) => bin.count)), 4, { integer: true });
  const y = scale([0, countTicks[countTicks.length - 1]], [PLOT.bottom, PLOT.top]);
  const bars = hist.bins
    .filter((bin) => bin.count > 0)
    .map(
      (bin) =>
        `<rect class="cohort-bar" data-count="${bin.count}" x="${(x(bin.from) + 0.5).toFixed(1)}" y="${y(bin.count).toFixed(1)}" width="${Math.max(1, x(bin.to) - x(bin.from) - 1).toFixed(1)}" height="${(PLOT.bottom - y(bin.count)).toFixed(1)}"><title>${fmt(bin.from)} to ${fmt(bin.to)} HU: ${bin.count}</title></rect>`,
    );
  const xTicks = niceTicks(low, high, 6).filter((tick) => tick >= low && tick <= high);
  const xAxis = xTicks
    .map((tick) => `<text class="cohort-plot-tick" x="${x(tick).toFixed(1)}" y="${PLOT.bottom + 16}" text-anchor="middle">${escapeXml(tick)}</text>`)
    .join("");
  const cutoffs = HU_CUTOFFS.map(
    ({ value, label }, index) =>
      `<g class="cohort-plot-cutoff"><line x1="${x(value).toFixed(1)}" x2="${x(value).toFixed(1)}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#b3261e" stroke-dasharray="5 4"/><text x="${(x(value) + 4).toFixed(1)}" y="${PLOT.top + 10 + index * 14}" fill="#b3261e">${escapeXml(label)}</text></g>`,
  ).join("");
  const caption = `<text class="cohort-plot-axis" x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 38}" text-anchor="middle">Mean muscle HU (Martin 2013 myosteatosis cut-offs dashed)${hist.missing ? ` · ${hist.missing} without a value` : ""}</text>`;
  return frame(title, yAxis(countTicks, y, "images") + bars.join("") + xAxis + cutoffs + caption, "hu");
}
