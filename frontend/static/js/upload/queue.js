// The upload queue: one file per request, two requests at a time, each file's outcome read from
// the server's `results` array. Pure: the request itself is an injected `send(item, onProgress)`
// that resolves { status, body } for any HTTP answer and rejects only when no answer came.

import { errorMessage } from "../core/api.js";
import { isSystemFile, isZip } from "./entries.js";

export const CONCURRENCY = 2;

// Item states, in order of progress.
export const QUEUED = "queued";
export const UPLOADING = "uploading";
export const PROCESSING = "processing"; // bytes sent, waiting for the server's answer
export const DONE = "done"; // the server answered; see item.results
export const FAILED = "failed"; // no usable answer (network down, server error page)
export const SKIPPED = "skipped"; // never sent: system clutter or over the size limit

const RESULT_STATUSES = new Set(["stored", "duplicate", "rejected"]);

let nextId = 1;

/** A queue item for one file; `maxBytes` (0 = no limit) skips files the server would refuse. */
export function makeItem({ file, path }, { maxBytes = 0 } = {}) {
  const name = path || file.name;
  const item = { id: nextId++, file, name, size: file.size, zip: isZip(file, name), state: QUEUED, loaded: 0, results: [], error: null };
  if (isSystemFile(name)) return { ...item, state: SKIPPED, error: "System file, not uploaded" };
  // Zips are left to the server: it limits their members and total size, not only the archive's.
  if (maxBytes > 0 && file.size > maxBytes && !item.zip) {
    const limit = Math.round(maxBytes / 1048576);
    return { ...item, state: SKIPPED, error: `Larger than the ${limit} MB limit, not uploaded` };
  }
  return item;
}

/**
 * One result per stored, duplicate or rejected file from an answer of POST /api/studies/. An answer
 * without a results array (a proxy's 413 page, a 500) becomes one rejected result for the whole file.
 */
export function resultsFromResponse(status, body, fileName) {
  if (body && typeof body === "object" && Array.isArray(body.results) && body.results.length > 0) {
    return body.results.map((result) => ({
      file: result.file || fileName,
      status: RESULT_STATUSES.has(result.status) ? result.status : "rejected",
      code: result.code ?? null,
      reason: result.reason ?? (RESULT_STATUSES.has(result.status) ? null : "The server gave no reason"),
      studyId: result.study_id ?? null,
      imageId: result.image_id ?? null,
      device: result.device ?? null,
      httpStatus: result.http_status ?? status,
    }));
  }
  if (status >= 200 && status < 300) {
    return [{ file: fileName, status: "rejected", code: "no_results", reason: "The server accepted the file but reported no outcome", studyId: null, imageId: null, device: null, httpStatus: status }];
  }
  return [{ file: fileName, status: "rejected", code: null, reason: errorMessage(body, status), studyId: null, imageId: null, device: null, httpStatus: status }];
}

/**
 * A reason as a sentence. Ingest reasons are predicates written to follow the file's name
 * ("is not a DICOM file ..."); other errors (DRF's detail) are whole sentences already.
 */
export function reasonSentence(fileName, reason) {
  if (!reason) return "Rejected";
  if (!/^[a-z]/.test(reason)) return reason;
  return `${fileName.split("/").pop()} ${reason}`;
}

/** Counts over every result of every item, plus the items not yet answered. */
export function tally(items) {
  const counts = { files: items.length, stored: 0, duplicates: 0, rejected: 0, failed: 0, skipped: 0, pending: 0, finished: 0 };
  for (const item of items) {
    if (item.state === FAILED) counts.failed++;
    else if (item.state === SKIPPED) counts.skipped++;
    else if (item.state !== DONE) counts.pending++;
    if (item.state === DONE || item.state === FAILED || item.state === SKIPPED) counts.finished++;
    for (const result of item.results) {
      if (result.status === "stored") counts.stored++;
      else if (result.status === "duplicate") counts.duplicates++;
      else counts.rejected++;
    }
  }
  return counts;
}

/** Studies touched by this upload, first seen first: [{ id, device, stored, duplicates }]. */
export function studiesOf(items) {
  const studies = new Map();
  for (const result of items.flatMap((item) => item.results)) {
    if (result.studyId == null) continue;
    const study = studies.get(result.studyId) ?? { id: result.studyId, device: result.device, stored: 0, duplicates: 0 };
    if (result.status === "stored") study.stored++;
    if (result.status === "duplicate") study.duplicates++;
    study.device ??= result.device;
    studies.set(result.studyId, study);
  }
  return [...studies.values()];
}

// Sending a file's bytes is this share of its part of the bar; the rest comes with its outcome (the server
// checks, de-identifies and stores it), so the bar reaches 100 % only when every file has its outcome.
export const SENT_SHARE = 0.9;

/** Fraction 0..1 over every item that is or will be sent, weighed by size: bytes sent count for SENT_SHARE,
 * an answered (or failed) item as whole. */
export function overallProgress(items) {
  let total = 0;
  let done = 0;
  for (const item of items) {
    if (item.state === SKIPPED) continue;
    const size = Math.max(1, item.size); // an empty file still waits for its outcome
    total += size;
    const answered = item.state === DONE || item.state === FAILED;
    const sent = item.state === PROCESSING ? size : Math.min(item.loaded, size);
    done += answered ? size : sent * SENT_SHARE;
  }
  return total === 0 ? 1 : done / total;
}

/** The one word a row shows for an item: its state while in flight, else its results' outcome. */
export function itemOutcome(item) {
  if (item.state !== DONE) return item.state;
  const statuses = new Set(item.results.map((result) => result.status));
  if (statuses.size === 1) return [...statuses][0];
  return statuses.has("rejected") ? "partly rejected" : "stored";
}

export class UploadQueue {
  constructor({ send, concurrency = CONCURRENCY, maxBytes = 0, onChange = () => {} }) {
    this.send = send;
    this.concurrency = concurrency;
    this.maxBytes = maxBytes;
    this.onChange = onChange;
    this.items = [];
    this.running = 0;
    this.idleWaiters = [];
  }

  /** Adds files ({ file, path }) and starts sending; returns the new items. */
  add(files) {
    const added = files.map((entry) => makeItem(entry, { maxBytes: this.maxBytes }));
    this.items.push(...added);
    this.onChange(this.items);
    this.pump();
    return added;
  }

  /** Resolves once every item added so far has an outcome. */
  whenIdle() {
    if (this.running === 0 && !this.items.some((item) => item.state === QUEUED)) return Promise.resolve(this.items);
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  pump() {
    while (this.running < this.concurrency) {
      const item = this.items.find((candidate) => candidate.state === QUEUED);
      if (!item) break;
      this.running++;
      this.run(item).finally(() => {
        this.running--;
        this.pump();
      });
    }
    if (this.running === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve(this.items));
  }

  async run(item) {
    this.update(item, { state: UPLOADING });
    const onProgress = (loaded) => {
      this.update(item, loaded >= item.size ? { loaded, state: PROCESSING } : { loaded });
    };
    try {
      const { status, body } = await this.send(item, onProgress);
      if (status >= 500 && !(body && Array.isArray(body.results))) {
        this.update(item, { state: FAILED, error: errorMessage(body, status) });
      } else {
        this.update(item, { state: DONE, loaded: item.size, results: resultsFromResponse(status, body, item.name) });
      }
    } catch (error) {
      this.update(item, { state: FAILED, error: error?.message || errorMessage(null, 0) });
    }
  }

  update(item, changes) {
    Object.assign(item, changes);
    this.onChange(this.items, item);
  }
}
