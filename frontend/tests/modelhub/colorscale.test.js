import { test } from "node:test";
import assert from "node:assert/strict";
import { STOPS, diceColor, diceDomain, legendGradient, rampColor, textColorFor } from "../../static/js/modelhub/colorscale.js";

test("the ramp starts and ends on its stops and clamps outside 0..1", () => {
  assert.equal(rampColor(0), STOPS[0]);
  assert.equal(rampColor(1), STOPS[STOPS.length - 1]);
  assert.equal(rampColor(-3), STOPS[0]);
  assert.equal(rampColor(7), STOPS[STOPS.length - 1]);
  assert.equal(rampColor(Number.NaN), STOPS[0]);
});

test("halfway between two stops is the midpoint colour", () => {
  const between = rampColor(0.5 / (STOPS.length - 1));
  assert.equal(between, "#e3f4c7"); // midpoint of #ffffd9 and #c7e9b4
});

test("higher Dice is darker, so the scale reads in one direction", () => {
  const luminance = (hex) => [1, 3, 5].reduce((s, i) => s + Number.parseInt(hex.slice(i, i + 2), 16), 0);
  const colours = [0.5, 0.7, 0.9, 1].map((d) => diceColor(d, [0.5, 1]));
  for (let i = 1; i < colours.length; i++) assert.ok(luminance(colours[i]) < luminance(colours[i - 1]));
});

test("the domain starts at the lowest Dice rounded down to a tenth, never above 0.9", () => {
  assert.deepEqual(diceDomain([0.83, 0.95, Number.NaN]), [0.8, 1]);
  assert.deepEqual(diceDomain([0.97, 0.99]), [0.9, 1]);
  assert.deepEqual(diceDomain([0.31]), [0.3, 1]);
  assert.deepEqual(diceDomain([-0.2]), [0, 1]);
  assert.deepEqual(diceDomain([]), [0, 1]);
});

test("unknown Dice has no colour", () => {
  assert.equal(diceColor(null), null);
  assert.equal(diceColor(Number.NaN), null);
});

test("text is dark on pale cells and white on dark ones", () => {
  assert.equal(textColorFor(STOPS[0]), "#1b2630");
  assert.equal(textColorFor(STOPS[STOPS.length - 1]), "#ffffff");
});

test("the legend gradient lists every stop, first to last", () => {
  const gradient = legendGradient();
  assert.ok(gradient.startsWith("linear-gradient(to right, #ffffd9 0.0%"));
  assert.ok(gradient.endsWith("#0c2c84 100.0%)"));
});
