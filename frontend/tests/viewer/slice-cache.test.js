import { test } from "node:test";
import assert from "node:assert/strict";
import { SliceCache, neighbourIndices } from "../../static/js/viewer/slice-cache.js";

test("a slice asked for twice while loading is fetched once", async () => {
  const calls = [];
  const cache = new SliceCache(async (id) => (calls.push(id), { id }));
  const [a, b] = await Promise.all([cache.get(7), cache.get(7)]);
  assert.equal(a, b);
  assert.deepEqual(calls, [7]);
});

test("the least recently used slice is evicted past capacity", async () => {
  const calls = [];
  const cache = new SliceCache(async (id) => (calls.push(id), id), { capacity: 2 });
  await cache.get(1);
  await cache.get(2);
  await cache.get(1); // 1 is now the most recent
  await cache.get(3); // evicts 2
  assert.ok(cache.has(1) && cache.has(3) && !cache.has(2));
  await cache.get(2);
  assert.deepEqual(calls, [1, 2, 3, 2]);
});

test("a failed load is retried on the next request", async () => {
  let attempts = 0;
  const cache = new SliceCache(async () => {
    attempts++;
    if (attempts === 1) throw new Error("network");
    return "ok";
  });
  await assert.rejects(cache.get(1), /network/);
  assert.equal(await cache.get(1), "ok");
});

test("prefetching starts loads without surfacing their errors", async () => {
  const calls = [];
  const cache = new SliceCache(async (id) => {
    calls.push(id);
    throw new Error("down");
  });
  cache.prefetch([1, 2]);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(calls, [1, 2]);
});

test("neighbours are prefetched nearest first, ahead of the scroll direction first, within the series", () => {
  assert.deepEqual(neighbourIndices(5, 20, { radius: 2, direction: 1 }), [6, 4, 7, 3]);
  assert.deepEqual(neighbourIndices(5, 20, { radius: 2, direction: -1 }), [4, 6, 3, 7]);
  assert.deepEqual(neighbourIndices(0, 3, { radius: 3 }), [1, 2]);
});
