import { test } from "node:test";
import assert from "node:assert/strict";
import { histogram, quantile, smiGroups, summary } from "../../static/js/cohorts/stats.js";

test("quantiles interpolate between closest ranks", () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantile([7], 0.75), 7);
  assert.equal(quantile([], 0.5), null);
});

test("a summary skips missing values and gives the five numbers", () => {
  assert.deepEqual(summary([5, null, 1, 3, Number.NaN, 2, 4]), { n: 5, min: 1, q1: 2, median: 3, q3: 4, max: 5 });
  assert.equal(summary([null, undefined]), null);
});

test("SMI groups are per sex and device, women first, without images lacking an SMI", () => {
  const groups = smiGroups({
    sex: ["M", "F", "F", "M", ""],
    device: ["B", "A", "A", "A", "A"],
    smi: [50, 40, 42, 55, null],
  });
  assert.deepEqual(
    groups.map((g) => [g.label, g.summary.n, g.summary.median]),
    [
      ["Women · A", 2, 41],
      ["Men · A", 1, 55],
      ["Men · B", 1, 50],
    ],
  );
});

test("a histogram counts every value once, the top edge in the last bin", () => {
  const hist = histogram([0, 1, 2, 3, 4, null], { bins: 4 });
  assert.deepEqual(hist.bins.map((bin) => bin.count), [1, 1, 1, 2]);
  assert.equal(hist.missing, 1);
  assert.equal(hist.bins[0].from, 0);
  assert.equal(hist.bins[3].to, 4);
});

test("a histogram of one repeated value still has a width", () => {
  const hist = histogram([30, 30], { bins: 2 });
  assert.deepEqual(hist.bins.map((bin) => bin.count), [0, 2]);
  assert.deepEqual(histogram([]).bins, []);
});
