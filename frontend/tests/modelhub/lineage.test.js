import { test } from "node:test";
import assert from "node:assert/strict";
import { buildTree, flattenTree, ownDice, parentMap, statusCounts } from "../../static/js/modelhub/lineage.js";

const versions = [
  { id: 3, parent_id: 1, created_at: "2025-01-03", status: "candidate", device: { id: 2 } },
  { id: 1, parent_id: null, created_at: "2025-01-01", status: "active", device: null },
  { id: 2, parent_id: 1, created_at: "2025-01-02", status: "active", device: { id: 1 } },
  { id: 4, parent_id: 2, created_at: "2025-01-04", status: "failed", device: { id: 1 } },
  { id: 9, parent_id: 77, created_at: "2025-01-05", status: "retired", device: null },
];

test("a flat list becomes a tree with children in creation order and orphans as roots", () => {
  const roots = buildTree(versions);
  assert.deepEqual(roots.map((r) => r.id), [1, 9]);
  assert.deepEqual(roots[0].children.map((c) => c.id), [2, 3]);
  assert.deepEqual(roots[0].children[0].children.map((c) => c.id), [4]);
});

test("flattening walks depth first and says where guide lines continue", () => {
  const rows = flattenTree(buildTree(versions));
  assert.deepEqual(rows.map((r) => [r.node.id, r.depth, r.isLast]), [[1, 0, false], [2, 1, false], [4, 2, true], [3, 1, true], [9, 0, true]]);
  // version 4 sits under 2, which has a later sibling (3): the level-1 guide goes on past it
  assert.deepEqual(rows[2].guides, [true, true]);
  assert.deepEqual(rows[3].guides, [true]);
  assert.equal(rows[0].childCount, 2);
});

test("a cycle in bad data does not hang the walk", () => {
  const a = { id: 1, children: [] };
  a.children.push(a);
  assert.equal(flattenTree([a]).length, 1);
});

test("parents come from a nested tree or a flat list alike", () => {
  const nested = parentMap(buildTree(versions));
  const flat = parentMap(versions);
  assert.deepEqual([...nested.entries()].sort(), [...flat.entries()].sort());
  assert.equal(flat.get(4), 2);
});

test("Dice on the own device, and the mean over devices for a base model", () => {
  const evaluations = [
    { device_id: 1, dice_mean: 0.9 },
    { device_id: 2, dice_mean: 0.7 },
  ];
  assert.deepEqual(ownDice({ device: { id: 2 }, evaluations }), { value: 0.7, kind: "own" });
  assert.deepEqual(ownDice({ device: null, evaluations }), { value: 0.8, kind: "mean", devices: 2 });
  assert.equal(ownDice({ device: { id: 3 }, evaluations }), null);
  assert.equal(ownDice({ device: null, evaluations: [] }), null);
});

test("status counts cover the whole tree", () => {
  assert.deepEqual(statusCounts(buildTree(versions)), { active: 2, candidate: 1, failed: 1, retired: 1 });
});
