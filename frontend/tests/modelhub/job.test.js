import { test } from "node:test";
import assert from "node:assert/strict";
import { createPoller, epochText, etaSeconds, isFinished, progressLine, progressPercent, resultVersionId, tailLines, trainingEta } from "../../static/js/modelhub/job.js";
import { fakeTimers } from "../helpers/fake-timers.js";

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

test("the ETA is the median of recent step times times the steps left", () => {
  assert.equal(etaSeconds([10, 12, 11], 4), 44);
  assert.equal(etaSeconds([30, 10, 12, 11, 9, 13], 2, { recent: 5 }), 22, "only the last five count: the slow first step is out");
  assert.equal(etaSeconds([10, 100], 1), 55, "two measurements: their middle");
  assert.equal(etaSeconds([10, 10, 10], 0), 0);
});

test("no ETA before two measurements", () => {
  assert.equal(etaSeconds([], 5), null);
  assert.equal(etaSeconds([12], 5), null);
  assert.equal(etaSeconds([12, Number.NaN], 5), null);
  assert.equal(etaSeconds(undefined, 5), null);
});

test("the time the current step has run comes off the ETA, never more than one step", () => {
  assert.equal(etaSeconds([10, 10], 3, { sinceLast: 4 }), 26);
  assert.equal(etaSeconds([10, 10], 3, { sinceLast: 60 }), 20);
  assert.equal(etaSeconds([10, 10], 3, { sinceLast: -5 }), 30, "a clock ahead of the server's changes nothing");
});

test("a running training job's ETA comes from its per-epoch seconds and the epochs left", () => {
  const history = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, val_dice: 0.5, seconds: 20 }));
  const job = { state: "running", heartbeat_at: "2026-01-01T00:00:05Z", progress_detail: { epoch: 3, epochs: 10, history } };
  assert.equal(trainingEta(job, { now: Date.parse("2026-01-01T00:00:10Z") }), 7 * 20 - 5);
  assert.equal(trainingEta({ ...job, state: "succeeded" }), null);
  assert.equal(trainingEta({ ...job, progress_detail: { epoch: 1, epochs: 10, history: history.slice(0, 1) } }), null);
});
