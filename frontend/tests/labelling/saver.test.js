import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createActivityClock } from "../../static/js/labelling/activity.js";
import { CONFLICT_MESSAGE, createSaver, describeSaveState } from "../../static/js/labelling/page/saver.js";

class HttpError extends Error {
  constructor(status) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}

// A fake server holding one annotation version; `answer` may force the next PUT's failure.
function fakeServer() {
  const server = {
    version: 1,
    puts: [],
    failNext: null,
    async put(bytes, { etag, activeSeconds }) {
      server.puts.push({ bytes, etag, activeSeconds });
      if (server.failNext) {
        const status = server.failNext;
        server.failNext = null;
        throw new HttpError(status);
      }
      if (etag !== `"${server.version}"`) throw new HttpError(412);
      server.version += 1;
      return { etag: `"${server.version}"`, annotation: { status: "draft" } };
    },
    async currentEtag() {
      return `"${server.version}"`;
    },
  };
  return server;
}

function setup({ now = () => 0 } = {}) {
  const server = fakeServer();
  const activity = createActivityClock();
  let encoded = 0;
  const saver = createSaver({
    etag: '"1"',
    transport: server,
    encode: async () => Uint8Array.of(++encoded),
    activity,
    now,
  });
  return { server, activity, saver };
}

describe("saver", () => {
  it("saves with If-Match and the active seconds, then is clean with the new ETag", async () => {
    const { server, activity, saver } = setup();
    activity.touch(0);
    activity.touch(4000);
    saver.edited();
    assert.equal(saver.dirty, true);
    assert.equal(await saver.save(), "saved");
    assert.equal(server.puts[0].etag, '"1"');
    assert.equal(server.puts[0].activeSeconds, 4);
    assert.equal(saver.etag, '"2"');
    assert.equal(saver.dirty, false);
    assert.equal(describeSaveState(saver).text, "All changes saved");
  });

  it("reports only the seconds not yet sent", async () => {
    const { server, activity, saver } = setup();
    activity.touch(0);
    activity.touch(3000);
    saver.edited();
    await saver.save();
    activity.touch(5000);
    saver.edited();
    await saver.save();
    assert.deepEqual(server.puts.map((put) => put.activeSeconds), [3, 2]);
  });

  it("keeps the edits and says so on a 412, and never autosaves over the conflict", async () => {
    let clock = 0;
    const { server, saver } = setup({ now: () => clock });
    server.version = 5; // someone else saved twice
    saver.edited();
    assert.equal(await saver.save(), "conflict");
    assert.equal(saver.state, "conflict");
    assert.equal(saver.dirty, true, "the local edits are still unsaved, not lost");
    assert.match(CONFLICT_MESSAGE, /someone else saved this mask; your edits are kept/i);
    assert.match(describeSaveState(saver).text, /someone else saved first\. Your edits are kept/);
    clock = 60_000;
    assert.equal(saver.autosaveDue(), false);
    assert.equal(await saver.save({ auto: true }), "skipped");
    assert.equal(server.puts.length, 1);
  });

  it("overwrites after a conflict with the server's current ETag", async () => {
    const { server, saver } = setup();
    server.version = 5;
    saver.edited();
    await saver.save();
    assert.equal(await saver.overwrite(), "saved");
    assert.equal(server.puts.at(-1).etag, '"5"');
    assert.equal(saver.state, "idle");
    assert.equal(saver.dirty, false);
  });

  it("adopts the other revision's ETag when the page loads it", async () => {
    const { server, saver } = setup();
    server.version = 3;
    saver.edited();
    await saver.save();
    saver.markSaved('"3"');
    assert.equal(saver.dirty, false);
    saver.edited(); // e.g. undoing back to our pixels
    assert.equal(await saver.save(), "saved");
    assert.equal(server.puts.at(-1).etag, '"3"');
  });

  it("locks on 409 and refuses to save after", async () => {
    const { server, saver } = setup();
    server.failNext = 409;
    saver.edited();
    assert.equal(await saver.save(), "locked");
    assert.equal(await saver.save(), "locked");
    assert.equal(server.puts.length, 1);
  });

  it("keeps a failed save dirty and retries it on the next autosave", async () => {
    let clock = 0;
    const { server, saver } = setup({ now: () => clock });
    server.failNext = 500;
    saver.edited();
    assert.equal(await saver.save(), "error");
    assert.equal(saver.dirty, true);
    assert.match(describeSaveState(saver).text, /Your edits are kept/);
    clock = 19_999;
    assert.equal(saver.autosaveDue(), false);
    clock = 20_000;
    assert.equal(saver.autosaveDue(), true);
    assert.equal(await saver.save({ auto: true }), "saved");
  });

  it("shows a refused save's reason plainly and autosaves again only after the next edit", async () => {
    let clock = 0;
    const { server, saver } = setup({ now: () => clock });
    server.put = async () => {
      const error = new HttpError(400);
      error.message = "The mask paints liver (10 pixels) but says it covers only muscle";
      throw error;
    };
    saver.edited();
    assert.equal(await saver.save(), "refused");
    assert.equal(describeSaveState(saver).text, "Not saved: The mask paints liver (10 pixels) but says it covers only muscle");
    assert.equal(describeSaveState(saver).tone, "bad");
    clock = 60_000;
    assert.equal(saver.autosaveDue(), false, "the same mask would be refused again");
    saver.edited();
    assert.equal(saver.autosaveDue(), true);
  });

  it("is due for autosave only when dirty and 20 s after the last attempt", async () => {
    let clock = 0;
    const { saver } = setup({ now: () => clock });
    clock = 30_000;
    assert.equal(saver.autosaveDue(), false, "nothing to save");
    saver.edited();
    assert.equal(saver.autosaveDue(), true);
    await saver.save({ auto: true });
    saver.edited();
    clock = 45_000;
    assert.equal(saver.autosaveDue(), false);
    clock = 50_000;
    assert.equal(saver.autosaveDue(), true);
  });

  it("counts edits made while a save is in flight as still unsaved", async () => {
    const { server, saver } = setup();
    let release;
    server.put = async (bytes, options) => {
      await new Promise((resolve) => (release = resolve));
      return { etag: '"2"' };
    };
    saver.edited();
    const pending = saver.save();
    await Promise.resolve();
    saver.edited();
    assert.equal(await saver.save(), "busy");
    await new Promise((resolve) => setImmediate(resolve));
    release();
    assert.equal(await pending, "saved");
    assert.equal(saver.dirty, true);
  });
});
