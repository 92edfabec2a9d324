// Draws training curves as inline SVG: two small plots side by side (loss, validation Dice) sharing
// the epoch axis, so that each has its own labelled y-axis. Geometry comes from curves.js.

import { bestEpoch, curveLayout, tickLabel } from "./curves.js";
import { el, svg } from "../core/dom.js";
import { formatDice } from "./format.js";

function axes(layout, { xLabel, yLabel }) {
  const { plot } = layout;
  return svg(
    "g",
    { class: "chart-axes" },
    layout.yTicks.map((tick) =>
      svg("g", { class: "chart-tick" },
        svg("line", { class: "chart-grid", x1: plot.left, x2: plot.right, y1: tick.y, y2: tick.y }),
        svg("text", { x: plot.left - 8, y: tick.y, "text-anchor": "end", "dominant-baseline": "middle", text: tickLabel(tick.value) }),
      ),
    ),
    layout.xTicks.map((tick) =>
      svg("g", { class: "chart-tick" },
        svg("line", { class: "chart-axis-line", x1: tick.x, x2: tick.x, y1: plot.bottom, y2: plot.bottom + 5 }),
        svg("text", { x: tick.x, y: plot.bottom + 18, "text-anchor": "middle", text: tickLabel(tick.value) }),
      ),
    ),
    svg("line", { class: "chart-axis-line", x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom }),
    svg("line", { class: "chart-axis-line", x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.bottom }),
    svg("text", { class: "chart-axis-label", x: (plot.left + plot.right) / 2, y: plot.bottom + 36, "text-anchor": "middle", text: xLabel }),
    svg("text", {
      class: "chart-axis-label",
      x: -(plot.top + plot.bottom) / 2,
      y: 14,
      transform: "rotate(-90)",
      "text-anchor": "middle",
      text: yLabel,
    }),
  );
}

function linePlot(history, { key, title, yLabel, yDomain, series, highlight }) {
  const layout = curveLayout(history, key, { yDomain });
  const box = svg("svg", {
    class: `chart chart-${series}`,
    viewBox: "0 0 420 240",
    role: "img",
    "aria-label": `${title} by epoch`,
    "data-series": series,
  });
  box.append(svg("title", { text: `${title} by epoch` }));
  if (layout.empty) {
    box.append(svg("text", { x: 210, y: 120, "text-anchor": "middle", class: "chart-empty", text: "No values recorded" }));
    return box;
  }
  box.append(axes(layout, { xLabel: "Epoch", yLabel }));
  box.append(svg("path", { class: "chart-line", d: layout.path, "data-points": layout.points.length }));
  for (const point of layout.points) {
    const marked = highlight && point.epoch === highlight.epoch;
    box.append(
      svg("circle", { class: marked ? "chart-dot chart-dot-best" : "chart-dot", cx: point.x, cy: point.y, r: marked ? 4.5 : 2.5 },
        svg("title", { text: `epoch ${point.epoch}: ${tickLabel(point.value)}` }),
      ),
    );
  }
  return box;
}

/** A <div> with the loss and validation-Dice plots of a training history (and a caption). */
export function curvesFigure(history) {
  const best = bestEpoch(history);
  const figure = el("figure", { class: "curves", "data-curves": "" });
  const plots = el("div", { class: "curves-plots" });
  plots.append(
    el("div", { class: "curve-panel" },
      el("h3", { text: "Training loss" }),
      linePlot(history, { key: "loss", title: "Training loss", yLabel: "Loss", series: "loss" }),
    ),
    el("div", { class: "curve-panel" },
      el("h3", { text: "Validation Dice" }),
      linePlot(history, { key: "val_dice", title: "Validation Dice", yLabel: "Dice", yDomain: [0, 1], series: "dice", highlight: best }),
    ),
  );
  figure.append(plots);
  const epochs = (history ?? []).length;
  figure.append(
    el("figcaption", { class: "muted" },
      epochs
        ? `${epochs} epoch${epochs === 1 ? "" : "s"}${best ? ` · best validation Dice ${formatDice(best.value)} at epoch ${best.epoch} (larger dot)` : ""}`
        : "No training history recorded for this version (an imported checkpoint, or training never ran).",
    ),
  );
  return figure;
}
