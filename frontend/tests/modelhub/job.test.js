import { test } from "node:test";
import assert from "node:assert/strict";
import { createPoller, epochText, isFinished, progressLine, progressPercent, resultVersionId, tailLines } from "../../static/js/modelhub/job.js";

test("progress is a clamped whole percentage, and 100 once succeeded", () => {
  assert.equal(progressPercent({ state: "running", progress: 0.456 }), 46);
  assert.equal(progressPercent({ state: "running", progress: 1.7 }), 100);
  assert.equal(progressPercent({ state: "running", progress: "x" }), 0);
  assert.equal(progressPercent({ state: "succeeded", progress: 0.95 }), 100);
});

test("epoch text needs an epoch, and shows the total when known", () => {
  assert.equal(epochText({ epoch: 3, epochs: 20 }), "Epoch 3 / 20");
  assert.equal(epochText({ epoch: 3 }), "Epoch 3");
  assert.equal(epochText({}), "");
  assert.equal(epochText(null), "");
});

test("the progress line says the state, the percentage and the epoch", () => {
  assert.equal(progressLine({ state: "running", progress: 0.45, progress_detail: { epoch: 9, epochs: 20 } }), "Running · 45% · Epoch 9 / 20");
  assert.equal(progressLine({ state: "queued", progress: 0 }), "Waiting for a worker · 0%");
  assert.equal(progressLine({ state: "running", progress: 0.2, cancel_requested: true }), "Cancelling… · 20%");
  assert.equal(progressLine({ state: "failed", progress: 0.3 }), "Failed");
  assert.equal(progressLine({ state: "succeeded", progress: 0.95 }), "Finished · 100%");
});

test("finished means succeeded, failed or cancelled", () => {
  assert.deepEqual(["queued", "running", "succeeded", "failed", "cancelled"].map((state) => isFinished({ state })), [false, false, true, true, true]);
});

test("the log tail keeps the last non-empty lines", () => {
  assert.deepEqual(tailLines("a\n\nb\r\nc\n", 2), ["b", "c"]);
  assert.deepEqual(tailLines(null), []);
});

test("a train job's version comes from its result, else its params", () => {
  assert.equal(resultVersionId({ result: { version_id: 7 } }), 7);
  assert.equal(resultVersionId({ result: {}, params: { version_id: 5 } }), 5);
  assert.equal(resultVersionId({ result: {} }), null);
});

/** Fake timers: run() fires the earliest pending timer and waits for the tick's promise to settle. */
function fakeTimers() {
  const pending = new Map();
  let next = 1;
  return {
    delays: [],
    setTimeout(fn, delay) {
      this.delays.push(delay);
      pending.set(next, fn);
      return next++;
    },
    clearTimeout(id) {
      pending.delete(id);
    },
    get count() {
      return pending.size;
    },
    async run() {
      const [id, fn] = pending.entries().next().value;
      pending.delete(id);
      await fn();
    },
  };
}

test("the poller asks every second until the job finishes, then stops", async () => {
  const timers = fakeTimers();
  const states = ["queued", "running", "succeeded"];
  const seen = [];
  const poller = createPoller({ load: async () => ({ state: states.shift() }), onUpdate: (job) => seen.push(job.state), timers });
  poller.start();
  while (timers.count) await timers.run();
  assert.deepEqual(seen, ["queued", "running", "succeeded"]);
  assert.deepEqual(timers.delays, [1000, 1000, 1000]);
  assert.equal(poller.running, false);
});

test("errors back off (doubling, capped) and the interval returns after an answer", async () => {
  const timers = fakeTimers();
  let calls = 0;
  const errors = [];
  const poller = createPoller({
    load: async () => {
      calls++;
      if (calls <= 4) throw new Error("offline");
      return { state: calls < 6 ? "running" : "failed" };
    },
    onUpdate: () => {},
    onError: (e) => errors.push(e.message),
    interval: 1000,
    maxInterval: 5000,
    timers,
  });
  poller.start();
  while (timers.count) await timers.run();
  assert.equal(errors.length, 4);
  assert.deepEqual(timers.delays, [1000, 2000, 4000, 5000, 5000, 1000]);
});

test("stop() cancels the next request and poke() asks at once", async () => {
  const timers = fakeTimers();
  let calls = 0;
  const poller = createPoller({ load: async () => (calls++, { state: "running" }), onUpdate: () => {}, timers });
  poller.start();
  poller.poke();
  assert.equal(timers.count, 1);
  assert.equal(timers.delays.at(-1), 0);
  await timers.run();
  assert.equal(calls, 1);
  poller.stop();
  assert.equal(timers.count, 0);
  poller.poke();
  assert.equal(timers.count, 0, "a stopped poller stays stopped");
});
