// Pure job logic: what a job row means on screen, and a poller that asks for it every second while it
// runs. Timers and the fetch are injected, so node tests drive it without a browser.

import { createPoller as createCorePoller } from "../core/poller.js";

export const FINISHED_STATES = new Set(["succeeded", "failed", "cancelled"]);

export const isFinished = (job) => FINISHED_STATES.has(job?.state);

/** Progress as a whole percentage 0..100: a finished-successful job is 100 whatever the row says. */
export function progressPercent(job) {
  if (job?.state === "succeeded") return 100;
  const value = Number(job?.progress);
  return Number.isFinite(value) ? Math.round(Math.min(1, Math.max(0, value)) * 100) : 0;
}

/** "Epoch 3 / 20" or "" when the job reports no epochs. */
export function epochText(detail) {
  if (!detail || !Number.isFinite(detail.epoch)) return "";
  return Number.isFinite(detail.epochs) ? `Epoch ${detail.epoch} / ${detail.epochs}` : `Epoch ${detail.epoch}`;
}

const STATE_SENTENCES = {
  queued: "Waiting for a worker",
  running: "Running",
  succeeded: "Finished",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** One line for the progress bar: "Running · 45% · Epoch 9 / 20", "Cancelling…" once asked. */
export function progressLine(job) {
  const parts = [];
  const finished = isFinished(job);
  parts.push(job?.cancel_requested && !finished ? "Cancelling…" : STATE_SENTENCES[job?.state] ?? String(job?.state ?? ""));
  if (!finished || job.state === "succeeded") parts.push(`${progressPercent(job)}%`);
  const epoch = epochText(job?.progress_detail);
  if (epoch) parts.push(epoch);
  return parts.join(" · ");
}

/** The last `max` non-empty lines of a log tail. */
export function tailLines(text, max = 30) {
  return String(text ?? "")
    .split(/\r?\n/)
    .filter((line) => line.trim())
    .slice(-max);
}

/** A train job's new version id, from its result or (while running) its params. */
export function resultVersionId(job) {
  const id = job?.result?.version_id ?? job?.params?.version_id;
  return Number.isInteger(id) ? id : null;
}

/**
 * Follows one job (core/poller.js): asks every `interval` ms after each answer, stops once the job is
 * finished or on `stop()`; after an error the wait doubles, up to `maxInterval`.
 */
export function createPoller({ load, onUpdate, onError = () => {}, interval = 1000, maxInterval = 10000, timers = globalThis }) {
  const poller = createCorePoller({ load, onUpdate, onError, isDone: isFinished, nextWait: () => interval, timers, min: interval, max: maxInterval });
  return {
    start: (delay = interval) => poller.start({ delay }),
    stop: () => poller.stop(),
    poke: () => poller.poke(),
    get running() {
      return poller.running;
    },
  };
}

/** The middle value (mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Seconds left: the median of the last `recent` measured step times × the steps left, less the time the
 * current step has run already (`sinceLast`, at most one step). Null before two measurements: one step
 * (often slowed by start-up) says too little.
 */
export function etaSeconds(stepSeconds, stepsLeft, { recent = 5, sinceLast = 0 } = {}) {
  const measured = (stepSeconds ?? []).filter((s) => Number.isFinite(s) && s > 0);
  if (measured.length < 2 || !Number.isFinite(stepsLeft) || stepsLeft < 0) return null;
  const step = median(measured.slice(-recent));
  const running = Math.min(step, Math.max(0, Number(sinceLast) || 0));
  return Math.max(0, step * stepsLeft - (stepsLeft > 0 ? running : 0));
}

/** A running training job's ETA from its progress_detail (epochs are its steps), or null. */
export function trainingEta(job, { now = Date.now() } = {}) {
  const detail = job?.progress_detail;
  if (job?.state !== "running" || !detail || !Number.isFinite(detail.epochs) || !Number.isFinite(detail.epoch)) return null;
  const lastReport = job.heartbeat_at ? (now - Date.parse(job.heartbeat_at)) / 1000 : 0;
  const steps = (detail.history ?? []).map((row) => row.seconds);
  return etaSeconds(steps, detail.epochs - detail.epoch, { sinceLast: lastReport });
}
