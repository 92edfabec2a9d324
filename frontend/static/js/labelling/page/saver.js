// Saving a mask under optimistic locking, without the DOM: dirty tracking, autosave timing, the
// ETag, active seconds, and what a 412 / 409 means. The page injects the transport and the encoder.
//
// A save sends the mask with If-Match: <etag> and X-Active-Seconds: seconds of active editing not yet
// reported. The server answers a new ETag (saved), 412 (someone else saved first: a conflict), 409
// (the annotation is submitted or accepted: locked), or 400/413 (this mask is refused, e.g. it paints a
// label it says it does not cover: shown plainly, not autosaved again until the next edit). Nothing here
// ever discards the local mask: after a conflict the page either reloads the other revision as an undoable edit (markSaved with its ETag) or
// overwrites it (overwrite(): fetch the current ETag, then save ours as a new revision).
//
// API
//   createSaver({ etag, transport, encode, activity, autosaveMs = 20000, now = Date.now }) -> Saver
//     transport.put(bytes, { etag, activeSeconds }) -> Promise<{ etag, annotation }>, rejects with
//                                                     an error carrying .status (412, 409, ...)
//     transport.currentEtag() -> Promise<etag>         (GET annotation: the server's ETag now)
//     encode() -> Promise<Uint8Array>                   (the PNG of the local mask)
//     activity: activity.js clock (its .seconds only is read)
//   saver.edited()           an edit happened (strokes, undo, redo, fills...)
//   saver.dirty, saver.state ('idle' | 'saving' | 'conflict' | 'locked' | 'refused' | 'error'), saver.error
//   saver.save({ auto })     -> Promise<'saved' | 'clean' | 'busy' | 'conflict' | 'locked' | 'refused' | 'error' | 'skipped'>
//   saver.autosaveDue()      -> true when dirty, idle (or after a transient error) and autosaveMs since the last attempt
//   saver.overwrite()        -> save ours over the newer revision (after a conflict)
//   saver.markSaved(etag)    the local mask now equals the server's revision with this ETag
//   saver.lock()             the annotation is no longer editable (e.g. after submit)
//   describeSaveState(saver) -> { text, tone: 'ok' | 'info' | 'warn' | 'bad' }

export const CONFLICT_MESSAGE =
  "Someone else saved this mask; your edits are kept — reload theirs or overwrite.";

export function createSaver(options) {
  return new Saver(options);
}

export class Saver {
  constructor({ etag, transport, encode, activity, autosaveMs = 20000, now = Date.now }) {
    this.etag = etag;
    this.transport = transport;
    this.encode = encode;
    this.activity = activity;
    this.autosaveMs = autosaveMs;
    this.now = now;
    this.editCount = 0;
    this.savedCount = 0;
    this.reportedSeconds = 0;
    this.state = "idle";
    this.error = null;
    this.lastAttemptAt = now();
    this.lastSavedAt = null;
    this.inFlight = null;
  }

  get dirty() {
    return this.editCount !== this.savedCount;
  }

  edited() {
    this.editCount += 1;
    if (this.state === "refused") this.setState("idle"); // the edit may be the fix: autosave may try again
  }

  autosaveDue() {
    const ready = this.state === "idle" || this.state === "error";
    return this.dirty && ready && this.now() - this.lastAttemptAt >= this.autosaveMs;
  }

  async save({ auto = false } = {}) {
    if (this.inFlight) return "busy";
    if (this.state === "locked") return "locked";
    if (this.state === "conflict") return auto ? "skipped" : "conflict"; // resolved only by an explicit choice
    if (!this.dirty && auto) return "clean";
    this.inFlight = this.send();
    try {
      return await this.inFlight;
    } finally {
      this.inFlight = null;
    }
  }

  async send() {
    const snapshot = this.editCount;
    const activeSeconds = Math.max(0, this.activity.seconds - this.reportedSeconds);
    this.state = "saving";
    this.lastAttemptAt = this.now();
    try {
      const bytes = await this.encode();
      const answer = await this.transport.put(bytes, { etag: this.etag, activeSeconds });
      this.etag = answer.etag ?? this.etag;
      this.savedCount = snapshot;
      this.reportedSeconds += activeSeconds;
      this.lastSavedAt = this.now();
      this.setState("idle");
      return "saved";
    } catch (error) {
      return this.failed(error);
    }
  }

  failed(error) {
    const refused = error?.status === 400 || error?.status === 413;
    const state = error?.status === 412 ? "conflict" : error?.status === 409 ? "locked" : refused ? "refused" : "error";
    this.setState(state, error);
    return state;
  }

  setState(state, error = null) {
    this.state = state;
    this.error = error;
  }

  async overwrite() {
    if (this.inFlight) return "busy";
    try {
      this.etag = await this.transport.currentEtag();
    } catch (error) {
      return this.failed(error);
    }
    this.setState("idle");
    return this.save();
  }

  markSaved(etag) {
    this.etag = etag;
    this.savedCount = this.editCount;
    this.setState("idle");
  }

  lock() {
    this.setState("locked");
  }
}

export function describeSaveState(saver) {
  switch (saver.state) {
    case "saving":
      return { text: "Saving…", tone: "info" };
    case "conflict":
      return { text: "Not saved: someone else saved first. Your edits are kept; choose above.", tone: "bad" };
    case "locked":
      return { text: "This mask is submitted for review and cannot be edited.", tone: "warn" };
    case "refused":
      return { text: `Not saved: ${saver.error?.message ?? "the server refused this mask"}`, tone: "bad" };
    case "error":
      return { text: `Not saved: ${saver.error?.message ?? "unknown error"}. Your edits are kept; retrying.`, tone: "bad" };
    default:
      if (saver.dirty) return { text: "Unsaved changes (autosave every 20 s)", tone: "warn" };
      return { text: saver.lastSavedAt !== null ? "All changes saved" : "No changes yet", tone: "ok" };
  }
}
