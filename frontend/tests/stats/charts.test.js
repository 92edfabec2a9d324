import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { SOURCE_SERIES, barChart, escapeXml, niceMax, secondsGroups, versionChart } from "../../static/js/stats/charts.js";

const rows = [
  { device: "GE", labeller: "lina", source: "manual", images: 4, median_seconds: 300, mean_seconds: 310 },
  { device: "GE", labeller: "lina", source: "corrected", images: 9, median_seconds: 90, mean_seconds: 95 },
  { device: "Siemens <B30f>", labeller: "kai", source: "corrected", images: 2, median_seconds: 60, mean_seconds: 60 },
];

describe("stats charts", () => {
  it("groups seconds per device and labeller, one bar per source", () => {
    const groups = secondsGroups(rows);
    assert.deepEqual(groups.map((group) => group.label), ["GE · lina", "Siemens <B30f> · kai"]);
    assert.deepEqual(groups[0].bars.map((bar) => [bar.series, bar.value]), [["manual", 300], ["corrected", 90]]);
  });

  it("draws one bar per value, scaled to a round axis, with escaped labels", () => {
    const svg = barChart({ title: "t", groups: secondsGroups(rows), series: SOURCE_SERIES, yLabel: "s" });
    assert.equal(svg.match(/<rect class="ls-chart-bar"/g).length, 3);
    assert.match(svg, /Siemens &lt;B30f&gt;/);
    assert.doesNotMatch(svg, /<B30f>/);
    assert.match(svg, />500</, "the axis tops out at 500 for a 300 s bar");
  });

  it("plots correction size and Dice per model version", () => {
    const svg = versionChart([
      { model_version_name: "base", images: 5, median_pixels_changed: 4000, median_dice_vs_prelabel: 0.7 },
      { model_version_name: "ge-v1", images: 6, median_pixels_changed: 900, median_dice_vs_prelabel: 0.93 },
    ]);
    assert.equal(svg.match(/<rect class="ls-chart-bar"/g).length, 2);
    assert.equal(svg.match(/<circle class="ls-chart-dot"/g).length, 2);
    assert.match(svg, /<path class="ls-chart-line" d="M[\d.]+,[\d.]+ L[\d.]+,[\d.]+"/);
  });

  it("says so when there is nothing to plot", () => {
    assert.match(versionChart([]), /No labelled images yet/);
    assert.match(barChart({ title: "t", groups: [], series: SOURCE_SERIES, yLabel: "s" }), /No labelled images yet/);
  });

  it("rounds axes up to 1, 2 or 5 times a power of ten", () => {
    assert.deepEqual([0, 0.3, 7, 12, 300, 4001].map(niceMax), [1, 0.5, 10, 20, 500, 5000]);
    assert.equal(escapeXml(`a&"'`), "a&amp;&quot;&#39;");
  });
});

it("category names wrap to their group's width, so neighbours never overlap", () => {
  const devices = ["SIEMENS SOMATOM Definition Edge", "GE LightSpeed VCT", "Philips Brilliance 64", "TOSHIBA Aquilion ONE"];
  const rows = devices.map((device) => ({ device, labeller: "demo-labeller", source: "manual", images: 3, median_seconds: 60 }));
  const svg = barChart({ title: "t", groups: secondsGroups(rows), series: SOURCE_SERIES, yLabel: "s" });
  const lines = [...svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((match) => match[1]);
  const groupWidth = (720 - 64 - 56) / devices.length;
  assert.ok(lines.includes("SIEMENS SOMATOM") && lines.includes("Definition Edge"), lines.join(" | "));
  for (const line of lines) assert.ok(line.length * 7.4 <= groupWidth - 6, `"${line}" is wider than its group`);
});
