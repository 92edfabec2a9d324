// Pure lineage logic: the parent -> child tree of model versions, flattened for drawing, and each
// version's Dice on its own device.

const byCreation = (a, b) => String(a.created_at ?? "").localeCompare(String(b.created_at ?? "")) || a.id - b.id;

/** Flat versions (with parent_id) -> nested roots, children in creation order. Orphans become roots. */
export function buildTree(versions) {
  const nodes = new Map(versions.map((v) => [v.id, { ...v, children: [] }]));
  const roots = [];
  for (const node of [...nodes.values()].sort(byCreation)) {
    const parent = node.parent_id == null ? null : nodes.get(node.parent_id);
    (parent && parent !== node ? parent.children : roots).push(node);
  }
  return roots;
}

/**
 * Depth-first rows for an indented tree: each row carries its depth, whether it is its parent's last
 * child, and for every ancestor level whether a guide line continues past this row (`guides`).
 */
export function flattenTree(roots) {
  const rows = [];
  const seen = new Set();
  const walk = (nodes, depth, guides) => {
    nodes.forEach((node, index) => {
      if (seen.has(node.id)) return; // a cycle in bad data must not hang the page
      seen.add(node.id);
      const isLast = index === nodes.length - 1;
      rows.push({ node, depth, isLast, guides, childCount: node.children?.length ?? 0 });
      walk(node.children ?? [], depth + 1, [...guides, !isLast]);
    });
  };
  walk(roots, 0, []);
  return rows;
}

/** id -> parent_id for every node of a nested tree or a flat list. */
export function parentMap(versions) {
  const map = new Map();
  const visit = (list) => {
    for (const v of list) {
      map.set(v.id, v.parent_id ?? null);
      if (v.children) visit(v.children);
    }
  };
  visit(versions);
  return map;
}

/**
 * A version's Dice on its own device ({value, kind: "own"}); a base model has no device, so it gets
 * the mean over the devices it was evaluated on ({kind: "mean", devices}); null when never evaluated.
 */
export function ownDice(version) {
  const evaluations = (version.evaluations ?? []).filter((e) => Number.isFinite(e.dice_mean));
  const deviceId = version.device && typeof version.device === "object" ? version.device.id : null;
  if (deviceId != null) {
    const own = evaluations.find((e) => e.device_id === deviceId);
    return own ? { value: own.dice_mean, kind: "own" } : null;
  }
  if (!evaluations.length) return null;
  const mean = evaluations.reduce((sum, e) => sum + e.dice_mean, 0) / evaluations.length;
  return { value: mean, kind: "mean", devices: evaluations.length };
}

/** Counts of versions per status over a whole tree, for the page's summary line. */
export function statusCounts(roots) {
  const counts = {};
  for (const { node } of flattenTree(roots)) counts[node.status] = (counts[node.status] ?? 0) + 1;
  return counts;
}
