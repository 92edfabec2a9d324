// A study's pending work (GET /api/studies/{id}/work) in words, and a poller that follows it while anything
// is queued or running: it backs off while nothing changes, pauses while the tab is hidden and stops once
// nothing is pending. Pure: the fetch, the timers and the tab's visibility are injected (node --test).

import { createPoller } from "../core/poller.js";

export const PENDING = new Set(["queued", "running"]);

const percent = (progress) => `${Math.round(Math.min(1, Math.max(0, Number(progress) || 0)) * 100)} %`;

/** What one image's row says: "Queued (position 2)", "Measuring… 40 %", "Preparing the images…",
 * "Measurement failed", or "" when nothing is to be said (done, or no job known). */
export function workText(row) {
  if (!row) return "";
  if (row.state === "queued") return Number.isInteger(row.position) ? `Queued (position ${row.position})` : "Queued";
  if (row.state === "running") return row.stage === "measuring" ? `Measuring… ${percent(row.progress)}` : "Preparing the images…";
  if (row.state === "failed") return "Measurement failed";
  if (row.state === "cancelled") return "Measurement cancelled";
  return "";
}

/** The study's line: the furthest-along pending image (running before queued, then the nearest in the
 * queue), or null when nothing is pending. */
export function studyWorkText(work) {
  const pending = (work?.images ?? []).filter((row) => PENDING.has(row.state));
  if (!pending.length) return null;
  const rank = (row) => (row.state === "running" ? (row.stage === "measuring" ? -2 : -1) * 1e9 - (row.progress ?? 0) : row.position ?? 1e8);
  const lead = pending.reduce((best, row) => (rank(row) < rank(best) ? row : best));
  const count = pending.length;
  return `${workText(lead)}${count > 1 ? ` · ${count} images waiting` : ""}`;
}

const rowKey = (row) => `${row.state}:${row.position ?? ""}:${row.progress ?? ""}`;

/** Whether anything a person would see changed between two answers. */
export function workChanged(previous, next) {
  const before = new Map((previous?.images ?? []).map((row) => [row.image_id, rowKey(row)]));
  const after = next?.images ?? [];
  return after.length !== before.size || after.some((row) => before.get(row.image_id) !== rowKey(row));
}

/** Image ids that were pending in `previous` and are not any more: their measurement may have landed. */
export function landedImages(previous, next) {
  const wasPending = new Set((previous?.images ?? []).filter((row) => PENDING.has(row.state)).map((row) => row.image_id));
  return (next?.images ?? []).filter((row) => wasPending.has(row.image_id) && !PENDING.has(row.state)).map((row) => row.image_id);
}

/** The wait before the next ask: back to `min` after a change, else `factor` times longer, up to `max`. */
export function nextDelay(current, { changed, min = 1000, max = 15000, factor = 1.6 } = {}) {
  if (changed) return min;
  return Math.min(max, Math.max(min, Math.round(current * factor)));
}

/**
 * Follows a study's work (core/poller.js): stops once nothing is pending, backs off while nothing a person
 * would see changes (nextDelay), asks nothing while `isHidden()`; call `visibilityChanged()` when the tab
 * shows again and it asks at once. `start(first)`: `first` is an answer already in hand.
 */
export function createWorkPoller({ load, onUpdate, onError = () => {}, isHidden = () => false, timers = globalThis, min = 1000, max = 15000 }) {
  const nextWait = (wait, work, previous) => nextDelay(wait, { changed: workChanged(previous, work), min, max });
  const poller = createPoller({ load, onUpdate, onError, isDone: (work) => !work.pending, nextWait, isHidden, timers, min, max });
  return {
    start: (first = null) => poller.start({ first }),
    stop: () => poller.stop(),
    visibilityChanged: () => poller.visibilityChanged(),
    get running() {
      return poller.running;
    },
    get delay() {
      return poller.delay;
    },
  };
}
