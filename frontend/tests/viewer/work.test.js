import { test } from "node:test";
import assert from "node:assert/strict";
import { createWorkPoller, landedImages, nextDelay, studyWorkText, workChanged, workText } from "../../static/js/viewer/work.js";
import { fakeTimers } from "../helpers/fake-timers.js";

const row = (image_id, state, extra = {}) => ({ image_id, state, stage: "measuring", position: null, progress: null, ...extra });
const work = (...images) => ({ pending: images.some((r) => r.state === "queued" || r.state === "running"), images });

test("an image's row says its place in the queue, its progress, or its failure", () => {
  assert.equal(workText(row(1, "queued", { position: 3 })), "Queued (position 3)");
  assert.equal(workText(row(1, "running", { progress: 0.4 })), "Measuring… 40 %");
  assert.equal(workText(row(1, "running", { stage: "preparing", progress: 0 })), "Preparing the images…");
  assert.equal(workText(row(1, "failed")), "Measurement failed");
  assert.equal(workText(row(1, "succeeded")), "");
  assert.equal(workText(row(1, "none")), "");
  assert.equal(workText(undefined), "");
});

test("the study's line leads with the furthest-along image and counts those waiting", () => {
  assert.equal(studyWorkText(work(row(1, "queued", { position: 4 }), row(2, "queued", { position: 2 }))), "Queued (position 2) · 2 images waiting");
  assert.equal(studyWorkText(work(row(1, "queued", { position: 1 }), row(2, "running", { progress: 0.5 }))), "Measuring… 50 % · 2 images waiting");
  assert.equal(studyWorkText(work(row(1, "running", { progress: 0.25 }))), "Measuring… 25 %");
  assert.equal(studyWorkText(work(row(1, "succeeded"))), null);
});

test("a change is any state, position or progress a person would see differ", () => {
  const queued = work(row(1, "queued", { position: 2 }));
  assert.equal(workChanged(queued, work(row(1, "queued", { position: 2 }))), false);
  assert.equal(workChanged(queued, work(row(1, "queued", { position: 1 }))), true);
  assert.equal(workChanged(queued, work(row(1, "running", { progress: 0 }))), true);
  assert.equal(workChanged(null, queued), true);
});

test("an image has landed when it was pending and is not any more", () => {
  const before = work(row(1, "running", { progress: 0.5 }), row(2, "queued", { position: 1 }), row(3, "none"));
  const after = work(row(1, "succeeded"), row(2, "running", { progress: 0 }), row(3, "none"));
  assert.deepEqual(landedImages(before, after), [1]);
  assert.deepEqual(landedImages(null, after), []);
});

test("the wait grows while nothing changes, up to the cap, and drops back after a change", () => {
  assert.equal(nextDelay(1000, { changed: false }), 1600);
  assert.equal(nextDelay(12000, { changed: false }), 15000);
  assert.equal(nextDelay(15000, { changed: true }), 1000);
  assert.equal(nextDelay(0, { changed: false, min: 500 }), 500);
});

test("the poller backs off while the queue stands still and stops once nothing is pending", async () => {
  const timers = fakeTimers();
  const answers = [
    work(row(1, "queued", { position: 2 })),
    work(row(1, "queued", { position: 2 })),
    work(row(1, "queued", { position: 2 })),
    work(row(1, "queued", { position: 1 })),
    work(row(1, "running", { progress: 0.5 })),
    work(row(1, "succeeded")),
  ];
  const landed = [];
  const poller = createWorkPoller({ load: async () => answers.shift(), onUpdate: (now, before) => landed.push(...landedImages(before, now)), timers });
  poller.start();
  while (timers.count) await timers.run();
  assert.deepEqual(timers.delays, [0, 1000, 1600, 2560, 1000, 1000]);
  assert.deepEqual(landed, [1]);
  assert.equal(poller.running, false);
});

test("an answer in hand with nothing pending means no polling at all", () => {
  const timers = fakeTimers();
  const poller = createWorkPoller({ load: async () => assert.fail("asked"), onUpdate: () => {}, timers });
  poller.start(work(row(1, "succeeded")));
  assert.equal(timers.count, 0);
  assert.equal(poller.running, false);
});

test("a hidden tab asks nothing, and asks at once when it shows again", async () => {
  const timers = fakeTimers();
  let hidden = false;
  let calls = 0;
  const poller = createWorkPoller({ load: async () => (calls++, work(row(1, "queued", { position: 1 }))), onUpdate: () => {}, isHidden: () => hidden, timers });
  poller.start(work(row(1, "queued", { position: 1 })));
  hidden = true;
  poller.visibilityChanged();
  assert.equal(timers.count, 0, "the pending ask is dropped while hidden");
  hidden = false;
  poller.visibilityChanged();
  assert.equal(timers.delays.at(-1), 0);
  await timers.run();
  assert.equal(calls, 1);
  assert.equal(timers.count, 1, "and it goes on");
});

test("errors double the wait, capped, and the poller keeps going", async () => {
  const timers = fakeTimers();
  let calls = 0;
  const errors = [];
  const poller = createWorkPoller({
    load: async () => {
      calls++;
      if (calls <= 3) throw new Error("offline");
      return work(row(1, "succeeded"));
    },
    onUpdate: () => {},
    onError: (error) => errors.push(error.message),
    max: 3000,
    timers,
  });
  poller.start();
  while (timers.count) await timers.run();
  assert.deepEqual(timers.delays, [0, 2000, 3000, 3000]);
  assert.equal(errors.length, 3);
});
