import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_BOX, bestEpoch, curveLayout, linearScale, niceTicks, pathData, seriesOf, tickLabel } from "../../static/js/modelhub/curves.js";

const history = [
  { epoch: 1, loss: 0.9, val_dice: 0.41 },
  { epoch: 2, loss: 0.52, val_dice: 0.63 },
  { epoch: 3, loss: 0.31, val_dice: 0.78 },
  { epoch: 4, loss: 0.27, val_dice: 0.77 },
];

test("nice ticks are round steps that cover the range", () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0, 0.9, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(1, 20, 5), [0, 5, 10, 15, 20]);
  const flat = niceTicks(3, 3);
  assert.ok(flat[0] < 3 && flat[flat.length - 1] > 3, "a flat series still gets a range around it");
  assert.deepEqual(niceTicks(Number.NaN, 1), []);
});

test("a linear scale maps both ends and runs backwards for SVG's y", () => {
  const y = linearScale([0, 1], [200, 10]);
  assert.equal(y(0), 200);
  assert.equal(y(1), 10);
  assert.equal(y(0.5), 105);
});

test("series skip missing values and fall back to the row number for the epoch", () => {
  assert.deepEqual(seriesOf([{ loss: 1 }, { loss: null }, { loss: 0.5 }], "loss"), [{ epoch: 1, value: 1 }, { epoch: 3, value: 0.5 }]);
  assert.deepEqual(seriesOf(undefined, "loss"), []);
});

test("path data moves then draws lines", () => {
  assert.equal(pathData([[0, 1], [2.5, 3.125]]), "M0.00 1.00 L2.50 3.13");
  assert.equal(pathData([]), "");
});

test("the loss plot starts at 0 and spans the plot box from the first to the last epoch", () => {
  const layout = curveLayout(history, "loss");
  const { plot } = layout;
  assert.equal(layout.points.length, 4);
  assert.equal(layout.points[0].x, plot.left);
  assert.equal(layout.points[3].x, plot.right);
  assert.equal(layout.yTicks[0].value, 0);
  assert.equal(layout.yTicks[0].y, plot.bottom);
  assert.ok(layout.yTicks[layout.yTicks.length - 1].value >= 0.9);
  for (const p of layout.points) assert.ok(p.y >= plot.top && p.y <= plot.bottom);
  assert.ok(layout.points[0].y < layout.points[3].y, "a falling loss goes down the screen... upwards in y");
  assert.ok(layout.path.startsWith(`M${plot.left.toFixed(2)} `));
  assert.deepEqual(layout.xTicks.map((t) => t.value), [1, 2, 3, 4]);
});

test("the Dice plot keeps the fixed 0..1 axis whatever the data", () => {
  const layout = curveLayout(history, "val_dice", { yDomain: [0, 1] });
  assert.deepEqual(layout.yTicks.map((t) => t.value), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(layout.yTicks[5].y, DEFAULT_BOX.margin.top);
  const point = layout.points[2];
  const { plot } = layout;
  assert.ok(Math.abs(point.y - (plot.bottom - 0.78 * (plot.bottom - plot.top))) < 1e-9);
});

test("one epoch is drawn in the middle; no history is an empty plot", () => {
  const single = curveLayout([{ epoch: 1, loss: 0.5 }], "loss");
  assert.equal(single.points[0].x, (single.plot.left + single.plot.right) / 2);
  assert.ok(curveLayout([], "loss").empty);
});

test("the best epoch is the highest validation Dice", () => {
  assert.deepEqual(bestEpoch(history), { epoch: 3, value: 0.78 });
  assert.equal(bestEpoch([]), null);
});

test("tick labels lose float noise", () => {
  assert.equal(tickLabel(0.1 + 0.2), "0.3");
  assert.equal(tickLabel(5), "5");
});
