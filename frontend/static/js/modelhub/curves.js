// Pure plot geometry for training curves: nice axis ticks, linear scales and SVG path data. The DOM
// drawing lives in chart.js; everything here is numbers and strings, tested under node.

/** Round steps (1, 2, 2.5, 5 x 10^k) that cover [min, max] in about `count` intervals. */
export function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    [min, max] = [min - pad, max + pad];
  }
  if (min > max) [min, max] = [max, min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const start = Math.floor(min / step + 1e-9) * step;
  const ticks = [];
  for (let value = start; value <= max + step * 1e-9 || ticks.length < 2; value += step) {
    ticks.push(Number.parseFloat(value.toPrecision(12)));
    if (ticks.length > 50) break;
  }
  if (ticks[ticks.length - 1] < max - step * 1e-9) ticks.push(Number.parseFloat((start + ticks.length * step).toPrecision(12)));
  return ticks;
}

/** Maps domain [d0, d1] onto range [r0, r1] (either may run backwards, as SVG's y does). */
export function linearScale([d0, d1], [r0, r1]) {
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** The finite points of one series from the history: [{epoch, value}]. */
export function seriesOf(history, key) {
  return (history ?? [])
    .map((row, index) => ({ epoch: Number.isFinite(row?.epoch) ? row.epoch : index + 1, value: row?.[key] }))
    .filter((p) => Number.isFinite(p.value));
}

/** "M x y L x y ..." with two decimals; an empty string for no points. */
export function pathData(points) {
  return points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(2)} ${y.toFixed(2)}`).join(" ");
}

export const DEFAULT_BOX = { width: 420, height: 240, margin: { top: 14, right: 16, bottom: 42, left: 56 } };

/**
 * Geometry of one line plot of `key` against epoch: the plot rectangle, the line's path, the points,
 * and x/y ticks with their pixel positions. `yDomain` fixes the y range (Dice: 0..1); otherwise it is
 * the nice range around the data, starting at 0 for non-negative data (a loss).
 */
export function curveLayout(history, key, { box = DEFAULT_BOX, yDomain = null, xTickCount = 6, yTickCount = 5 } = {}) {
  const points = seriesOf(history, key);
  const { width, height, margin } = box;
  const plot = { left: margin.left, top: margin.top, right: width - margin.right, bottom: height - margin.bottom };
  if (!points.length) return { plot, points: [], path: "", xTicks: [], yTicks: [], empty: true };

  const epochs = points.map((p) => p.epoch);
  const values = points.map((p) => p.value);
  const [firstEpoch, lastEpoch] = [Math.min(...epochs), Math.max(...epochs)];
  const xDomain = firstEpoch === lastEpoch ? [firstEpoch - 1, lastEpoch + 1] : [firstEpoch, lastEpoch];
  let yTickValues;
  if (yDomain) {
    yTickValues = niceTicks(yDomain[0], yDomain[1], yTickCount).filter((v) => v >= yDomain[0] - 1e-9 && v <= yDomain[1] + 1e-9);
  } else {
    const low = Math.min(...values) >= 0 ? 0 : Math.min(...values);
    yTickValues = niceTicks(low, Math.max(...values), yTickCount);
  }
  const yRange = yDomain ?? [yTickValues[0], yTickValues[yTickValues.length - 1]];
  const x = linearScale(xDomain, [plot.left, plot.right]);
  const y = linearScale(yRange, [plot.bottom, plot.top]);
  const xTickValues = niceTicks(xDomain[0], xDomain[1], xTickCount).filter(
    (v) => Number.isInteger(v) && v >= xDomain[0] && v <= xDomain[1],
  );
  const xy = points.map((p) => [x(p.epoch), y(p.value)]);
  return {
    plot,
    points: points.map((p, i) => ({ ...p, x: xy[i][0], y: xy[i][1] })),
    path: pathData(xy),
    xTicks: xTickValues.map((value) => ({ value, x: x(value) })),
    yTicks: yTickValues.map((value) => ({ value, y: y(value) })),
    empty: false,
  };
}

/** The best validation Dice and the epoch it came at, or null. */
export function bestEpoch(history) {
  const points = seriesOf(history, "val_dice");
  if (!points.length) return null;
  return points.reduce((best, p) => (p.value > best.value ? p : best));
}

/** A tick label without float noise: 0.30000000000000004 -> "0.3". */
export function tickLabel(value) {
  return String(Number.parseFloat(value.toPrecision(6)));
}
