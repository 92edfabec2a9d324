import { test } from "node:test";
import assert from "node:assert/strict";
import { DASH, deviceName, formatDateTime, formatDice, formatDiceN, formatDiceSd, formatLoss, formatPercent, formatSeconds, shortChecksum, versionOptionLabel } from "../../static/js/modelhub/format.js";

test("Dice, spread and SMA error", () => {
  assert.equal(formatDice(0.91234), "0.912");
  assert.equal(formatDice(null), DASH);
  assert.equal(formatDiceSd(0.9, 0.031), "0.900 ± 0.031");
  assert.equal(formatDiceSd(0.9, null), "0.900");
  assert.equal(formatPercent(0.0345), "3.5%");
  assert.equal(formatPercent(Number.NaN), DASH);
  assert.equal(formatLoss(0.123456), "0.1235");
  assert.equal(formatLoss(12.34), "12.3");
});

test("checksums, durations and dates", () => {
  assert.equal(shortChecksum("0123456789abcdef0123"), "0123456789ab");
  assert.equal(shortChecksum(""), DASH);
  assert.equal(formatSeconds(4.25), "4.3 s");
  assert.equal(formatSeconds(42), "42 s");
  assert.equal(formatSeconds(200), "3 min 20 s");
  assert.equal(formatSeconds(3900), "1 h 05 min");
  assert.equal(formatSeconds(null), DASH);
  assert.match(formatDateTime("2025-03-04T05:06:00Z"), /^2025-03-0\d \d\d:\d\d$/);
  assert.equal(formatDateTime("nonsense"), DASH);
});

test("devices as objects, names or the base slot; picker labels", () => {
  assert.equal(deviceName({ id: 1, display_name: "GE LightSpeed" }), "GE LightSpeed");
  assert.equal(deviceName("Siemens"), "Siemens");
  assert.equal(deviceName(null), "All devices (base)");
  assert.equal(versionOptionLabel({ name: "v2", device: null, status: "active" }), "v2 · base · active");
});

test("a Dice carries the number of test images it is from, and says when they are too few", () => {
  assert.equal(formatDiceN(0.9123, 6), "0.912 (n=6)");
  assert.equal(formatDiceN(0.849, 2), "0.849 (n=2, too few)");
  assert.equal(formatDiceN(null, 6), DASH);
});
