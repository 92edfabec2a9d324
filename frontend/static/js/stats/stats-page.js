// The labelling statistics page: draws the charts of stats/charts.js from the "stats-data" json_script.

import { readJson } from "../core/dom.js";
import { SOURCE_SERIES, barChart, secondsGroups, versionChart } from "./charts.js";

const stats = readJson("stats-data") ?? {};
const seconds = secondsGroups(stats.by_device_labeller ?? []);
const present = new Set((stats.by_device_labeller ?? []).map((row) => row.source));
const series = SOURCE_SERIES.filter((entry) => present.has(entry.key));

document.querySelector("[data-chart=seconds]").innerHTML = barChart({
  title: "Median seconds of active editing per image",
  groups: seconds,
  series: series.length ? series : SOURCE_SERIES,
  yLabel: "seconds per image",
});
document.querySelector("[data-chart=versions]").innerHTML = versionChart(stats.by_model_version ?? []);
document.querySelector("[data-stats]").dataset.ready = "true";
