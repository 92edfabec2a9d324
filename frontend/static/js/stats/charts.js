// The labelling statistics as inline SVG, built as strings from GET /api/labelling/stats. Pure.
//
// API
//   SOURCE_SERIES                               from scratch (manual), corrected, pre-label as is
//   secondsGroups(byDeviceLabeller)             -> [{ label, bars: [{ series, value, images }] }]
//   barChart({ title, groups, series, yLabel, format? }) -> SVG markup (grouped bars, legend, axis)
//   versionChart(byModelVersion)                -> SVG markup: median pixels changed per model
//                                                  version (bars) and median Dice vs pre-label (line)
//   escapeXml(text)

export const SOURCE_SERIES = Object.freeze([
  Object.freeze({ key: "manual", label: "From scratch", color: "#8e4ec6" }),
  Object.freeze({ key: "corrected", label: "Corrected pre-label", color: "#0f6b85" }),
  Object.freeze({ key: "prelabel", label: "Pre-label accepted as is", color: "#46a758" }),
]);

import { wrapLabel } from "../core/text-fit.js";

const WIDTH = 720;
const HEIGHT = 330;
const MARGIN = { top: 30, right: 56, bottom: 94, left: 64 }; // room for three lines of category name
const TICKS = 5;

export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function secondsGroups(rows = []) {
  const groups = new Map();
  for (const row of rows) {
    const label = `${row.device ?? "unknown device"} · ${row.labeller ?? "unknown"}`;
    if (!groups.has(label)) groups.set(label, { label, bars: [] });
    groups.get(label).bars.push({ series: row.source, value: row.median_seconds, images: row.images });
  }
  return [...groups.values()];
}

// Round numbers for an axis: 1, 2 or 5 times a power of ten.
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((candidate) => candidate >= value);
}

export function barChart({ title, groups, series, yLabel, format = formatNumber }) {
  const values = groups.flatMap((group) => group.bars.map((bar) => bar.value ?? 0));
  if (values.length === 0) return emptyChart(title);
  const top = niceMax(Math.max(...values));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const groupWidth = plotWidth / groups.length;
  const barWidth = Math.min(36, (groupWidth * 0.8) / series.length);
  const y = (value) => MARGIN.top + plotHeight * (1 - value / top);
  const parts = [axis(top, y, yLabel, format)];
  groups.forEach((group, g) => {
    const start = MARGIN.left + g * groupWidth + (groupWidth - barWidth * series.length) / 2;
    series.forEach((entry, s) => {
      const bar = group.bars.find((candidate) => candidate.series === entry.key);
      if (!bar || bar.value == null) return;
      const x = start + s * barWidth;
      const tip = `${group.label}, ${entry.label}: ${format(bar.value)}${bar.images != null ? ` (${bar.images} images)` : ""}`;
      parts.push(
        `<rect class="ls-chart-bar" data-series="${escapeXml(entry.key)}" x="${x.toFixed(1)}" y="${y(bar.value).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(y(0) - y(bar.value)).toFixed(1)}" fill="${entry.color}"><title>${escapeXml(tip)}</title></rect>`,
      );
    });
    parts.push(categoryLabel(MARGIN.left + (g + 0.5) * groupWidth, group.label, groupWidth));
  });
  parts.push(legend(series));
  return svg(title, parts);
}

export function versionChart(rows = []) {
  const title = "Correction size over model versions";
  if (rows.length === 0) return emptyChart(title);
  const groups = rows.map((row) => ({
    label: row.model_version_name ?? "no pre-label",
    bars: [{ series: "pixels", value: row.median_pixels_changed, images: row.images }],
  }));
  const pixelSeries = [{ key: "pixels", label: "Median pixels changed from the pre-label", color: "#0f6b85" }];
  const chart = barChart({ title, groups, series: pixelSeries, yLabel: "pixels changed" });
  return chart.replace("</svg>", `${diceLine(rows)}</svg>`);
}

// Median Dice between pre-label and final mask, on a 0..1 axis at the right.
function diceLine(rows) {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = plotWidth / rows.length;
  const points = rows
    .map((row, i) => ({ x: MARGIN.left + (i + 0.5) * step, value: row.median_dice_vs_prelabel }))
    .filter((point) => point.value != null);
  const y = (value) => MARGIN.top + plotHeight * (1 - value);
  const path = points.map((point, i) => `${i ? "L" : "M"}${point.x.toFixed(1)},${y(point.value).toFixed(1)}`).join(" ");
  const dots = points.map(
    (point) =>
      `<circle class="ls-chart-dot" cx="${point.x.toFixed(1)}" cy="${y(point.value).toFixed(1)}" r="4"><title>Dice ${point.value.toFixed(3)}</title></circle>`,
  );
  const ticks = [0, 0.5, 1].map(
    (value) => `<text class="ls-chart-tick" x="${WIDTH - MARGIN.right + 8}" y="${(y(value) + 4).toFixed(1)}">${value}</text>`,
  );
  const label = `<text class="ls-chart-axis-label" transform="translate(${WIDTH - 12},${MARGIN.top + plotHeight / 2}) rotate(90)" text-anchor="middle">median Dice vs pre-label</text>`;
  const key = `<g class="ls-chart-legend"><line x1="${MARGIN.left + 330}" x2="${MARGIN.left + 350}" y1="${HEIGHT - 12}" y2="${HEIGHT - 12}" class="ls-chart-line"/><text x="${MARGIN.left + 356}" y="${HEIGHT - 8}">Median Dice vs pre-label</text></g>`;
  return `${path ? `<path class="ls-chart-line" d="${path}"/>` : ""}${dots.join("")}${ticks.join("")}${label}${key}`;
}

function axis(top, y, yLabel, format) {
  const lines = [];
  for (let i = 0; i <= TICKS; i++) {
    const value = (top * i) / TICKS;
    lines.push(`<line class="ls-chart-grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}"/>`);
    lines.push(`<text class="ls-chart-tick" x="${MARGIN.left - 8}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">${escapeXml(format(value))}</text>`);
  }
  const middle = MARGIN.top + (HEIGHT - MARGIN.top - MARGIN.bottom) / 2;
  lines.push(`<text class="ls-chart-axis-label" transform="translate(16,${middle}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  return lines.join("");
}

// "device · labeller": the device in up to two lines, the labeller in one, each as wide as its group at most,
// so neighbouring names never run into each other.
function categoryLabel(x, text, width) {
  const [first, ...rest] = text.split(" · ");
  const lines = [...wrapLabel(first, width - 6, rest.length ? 2 : 3), ...rest.flatMap((part) => wrapLabel(part, width - 6, 1))];
  const spans = lines.map((line, i) => `<tspan x="${x.toFixed(1)}" dy="${i ? 15 : 0}">${escapeXml(line)}</tspan>`);
  return `<text class="ls-chart-category" x="${x.toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle"><title>${escapeXml(text)}</title>${spans.join("")}</text>`;
}

function legend(series) {
  let x = MARGIN.left;
  const items = series.map((entry) => {
    const item = `<rect x="${x}" y="${HEIGHT - 20}" width="12" height="12" fill="${entry.color}"/><text x="${x + 17}" y="${HEIGHT - 10}">${escapeXml(entry.label)}</text>`;
    x += 30 + entry.label.length * 7;
    return item;
  });
  return `<g class="ls-chart-legend">${items.join("")}</g>`;
}

function svg(title, parts) {
  return `<svg class="ls-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}"><title>${escapeXml(title)}</title>${parts.join("")}</svg>`;
}

function emptyChart(title) {
  return svg(title, [`<text class="ls-chart-empty" x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">No labelled images yet</text>`]);
}

function formatNumber(value) {
  if (value >= 1000) return `${Math.round(value / 100) / 10}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
