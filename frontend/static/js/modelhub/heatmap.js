// Pure logic of the evaluation matrix: versions (rows, in creation order) x devices (columns), and the
// cells where a version lost Dice on a device against its parent: catastrophic forgetting.

export const FORGETTING_THRESHOLD = 0.01;

const cellKey = (versionId, deviceId) => `${versionId}:${deviceId}`;

/** Creation order: created_at when known (from /api/model-versions/), else the id. */
export function creationOrder(versions, createdAt = new Map()) {
  return [...versions].sort((a, b) => {
    const [ca, cb] = [createdAt.get(a.id) ?? a.created_at ?? "", createdAt.get(b.id) ?? b.created_at ?? ""];
    return (ca && cb ? String(ca).localeCompare(String(cb)) : 0) || a.id - b.id;
  });
}

/** The cells of /api/evaluations/ as a lookup: cellAt(versionId, deviceId) -> cell or undefined. */
export function indexCells(cells) {
  const index = new Map(cells.map((c) => [cellKey(c.version_id, c.device_id), c]));
  return (versionId, deviceId) => index.get(cellKey(versionId, deviceId));
}

/**
 * Each cell where the version's Dice on that device is more than `threshold` below its parent's Dice
 * on the same device: Map "version:device" -> {drop, parentId, parentDice}.
 */
export function forgettingDrops(cells, parents, threshold = FORGETTING_THRESHOLD) {
  const cellAt = indexCells(cells);
  const drops = new Map();
  for (const cell of cells) {
    const parentId = parents.get(cell.version_id);
    if (parentId == null || !Number.isFinite(cell.dice_mean)) continue;
    const parentCell = cellAt(parentId, cell.device_id);
    if (!parentCell || !Number.isFinite(parentCell.dice_mean)) continue;
    const drop = parentCell.dice_mean - cell.dice_mean;
    if (drop > threshold + 1e-12) {
      drops.set(cellKey(cell.version_id, cell.device_id), { drop, parentId, parentDice: parentCell.dice_mean });
    }
  }
  return drops;
}

/**
 * The grid to draw: rows in creation order, one entry per device column (the cell or null), each cell
 * flagged with its forgetting drop when there is one.
 */
export function buildGrid(matrix, { parents = new Map(), createdAt = new Map(), threshold = FORGETTING_THRESHOLD } = {}) {
  const cells = matrix?.cells ?? [];
  const cellAt = indexCells(cells);
  const drops = forgettingDrops(cells, parents, threshold);
  const devices = matrix?.devices ?? [];
  const rows = creationOrder(matrix?.versions ?? [], createdAt).map((version) => ({
    version,
    parentId: parents.get(version.id) ?? null,
    cells: devices.map((device) => {
      const cell = cellAt(version.id, device.id);
      return cell ? { ...cell, forgetting: drops.get(cellKey(version.id, device.id)) ?? null } : null;
    }),
  }));
  return { devices, rows, drops };
}
