import { test } from "node:test";
import assert from "node:assert/strict";
import { buildGrid, creationOrder, forgettingDrops, indexCells } from "../../static/js/modelhub/heatmap.js";

const cell = (version_id, device_id, dice_mean) => ({ version_id, device_id, dice_mean, dice_sd: 0.01, sma_error_median: 0.03, images: 4 });
const matrix = {
  versions: [
    { id: 5, name: "child-b", status: "candidate", device: { id: 2 } },
    { id: 1, name: "base", status: "active", device: null },
    { id: 3, name: "child-a", status: "active", device: { id: 1 } },
  ],
  devices: [{ id: 1, display_name: "A" }, { id: 2, display_name: "B" }],
  cells: [cell(1, 1, 0.6), cell(1, 2, 0.5), cell(3, 1, 0.9), cell(3, 2, 0.49), cell(5, 1, 0.85), cell(5, 2, 0.92)],
};
const parents = new Map([[1, null], [3, 1], [5, 3]]);

test("a drop of more than 0.01 Dice below the parent on the same device is forgetting", () => {
  const drops = forgettingDrops(matrix.cells, parents);
  assert.deepEqual([...drops.keys()].sort(), ["5:1"]);
  const drop = drops.get("5:1");
  assert.equal(drop.parentId, 3);
  assert.ok(Math.abs(drop.drop - 0.05) < 1e-9);
});

test("exactly 0.01 below is not a drop, and a parent without that cell is no comparison", () => {
  assert.equal(forgettingDrops([cell(1, 1, 0.8), cell(2, 1, 0.79)], new Map([[2, 1]])).size, 0);
  assert.equal(forgettingDrops([cell(2, 1, 0.1)], new Map([[2, 1]])).size, 0);
});

test("rows follow creation time when known, else the id", () => {
  assert.deepEqual(creationOrder(matrix.versions).map((v) => v.id), [1, 3, 5]);
  const createdAt = new Map([[1, "2025-01-03"], [3, "2025-01-01"], [5, "2025-01-02"]]);
  assert.deepEqual(creationOrder(matrix.versions, createdAt).map((v) => v.id), [3, 5, 1]);
});

test("the grid has one entry per device column, null where there is no evaluation", () => {
  const grid = buildGrid({ ...matrix, cells: matrix.cells.filter((c) => !(c.version_id === 1 && c.device_id === 2)) }, { parents });
  assert.deepEqual(grid.rows.map((r) => r.version.id), [1, 3, 5]);
  assert.equal(grid.rows[0].cells[1], null);
  assert.equal(grid.rows[2].cells[0].forgetting.parentId, 3);
  assert.equal(grid.rows[2].cells[1].forgetting, null);
  assert.equal(grid.rows[2].parentId, 3);
});

test("without lineage nothing is flagged, and an empty matrix is an empty grid", () => {
  assert.equal(buildGrid(matrix).drops.size, 0);
  assert.deepEqual(buildGrid(null).rows, []);
  assert.equal(indexCells(matrix.cells)(3, 2).dice_mean, 0.49);
});
