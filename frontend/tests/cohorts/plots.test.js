import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeXml, fitLabel, huHistogram, niceTicks, smiBoxPlot, wrapLabel } from "../../static/js/cohorts/plots.js";
import { histogram, smiGroups } from "../../static/js/cohorts/stats.js";

test("ticks are round and cover the range", () => {
  assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  const ticks = niceTicks(33.2, 61.7);
  assert.ok(ticks[0] <= 33.2 && ticks[ticks.length - 1] >= 61.7);
  assert.deepEqual(niceTicks(3, 3), [3]);
  assert.deepEqual(niceTicks(0, 2, 4, { integer: true }), [0, 1, 2]);
});

test("long device names are shortened to fit under their box", () => {
  assert.equal(fitLabel("GE", 100), "GE");
  assert.equal(fitLabel("SIEMENS SOMATOM Definition Edge", 80), "SIEMENS S…");
});

test("the SMI plot draws one box per group with its count, and the Prado cut-offs", () => {
  const markup = smiBoxPlot(smiGroups({ sex: ["F", "F", "M"], device: ["GE", "GE", "GE"], smi: [38, 44, 51] }));
  assert.equal((markup.match(/class="cohort-box"/g) ?? []).length, 2);
  assert.match(markup, /data-sex="F" data-device="GE" data-n="2"/);
  assert.match(markup, /Prado men 52\.4/);
  assert.match(markup, /Prado women 38\.5/);
  assert.doesNotMatch(markup, /NaN/);
});

test("an empty cohort gets a sentence instead of a plot", () => {
  assert.match(smiBoxPlot([]), /No SMI in this cohort/);
  assert.match(huHistogram(histogram([])), /No muscle attenuation/);
});

test("the HU histogram has a bar per non-empty bin and the Martin cut-offs", () => {
  const markup = huHistogram(histogram([30, 31, 45, 46, 47, null], { bins: 5 }));
  const counts = [...markup.matchAll(/data-count="(\d+)"/g)].map((match) => Number(match[1]));
  assert.equal(counts.reduce((a, b) => a + b, 0), 5);
  assert.match(markup, /41 HU \(BMI &lt; 25\)/);
  assert.match(markup, /1 without a value/);
  assert.doesNotMatch(markup, /NaN/);
});

test("device names are escaped", () => {
  assert.equal(escapeXml('<a&"b">'), "&lt;a&amp;&quot;b&quot;&gt;");
  const markup = smiBoxPlot(smiGroups({ sex: ["M"], device: ["<script>"], smi: [50] }));
  assert.ok(!markup.includes("<script>"));
});

test("a scanner's name wraps at word boundaries and is cut only past three lines", () => {
  assert.deepEqual(wrapLabel("SIEMENS SOMATOM Definition Edge", 118), ["SIEMENS SOMATOM", "Definition Edge"]);
  assert.deepEqual(wrapLabel("GE", 40), ["GE"]);
  const cut = wrapLabel("one two three four five", 30, 3);
  assert.equal(cut.length, 3);
  assert.ok(cut[2].endsWith("…"));
});

test("with many boxes the SMI plot grows so each name keeps its words", () => {
  const summary = { n: 3, min: 35, q1: 37, median: 40, q3: 43, max: 45 };
  const devices = ["SIEMENS SOMATOM Definition Edge", "GE LightSpeed VCT", "Philips Brilliance 64", "TOSHIBA Aquilion ONE"];
  const groups = ["F", "M"].flatMap((sex) => devices.map((device) => ({ sex, device, label: `${sex} ${device}`, summary })));
  const svg = smiBoxPlot(groups);
  assert.ok(!svg.includes("…"), "no scanner name is cut");
  assert.ok(svg.includes(">Definition Edge<"));
});
