// Timers for poller tests, shared by the job and study-work pollers' tests.

/** Fake timers: run() fires the earliest pending timer and waits for the tick's promise to settle. */
export function fakeTimers() {
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
