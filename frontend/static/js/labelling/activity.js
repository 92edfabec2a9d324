// Seconds of active editing, for the revision's provenance: time between consecutive edit events
// counts, except gaps longer than idleMs (the labeller stepped away). Pure; pass the clock in.
//
// API
//   createActivityClock({ idleMs = 30000 }?) -> { touch(nowMs), seconds, reset() }

export function createActivityClock({ idleMs = 30000 } = {}) {
  let lastMs = null;
  let activeMs = 0;
  return {
    touch(nowMs) {
      if (lastMs !== null) {
        const gap = nowMs - lastMs;
        if (gap > 0 && gap <= idleMs) activeMs += gap;
      }
      lastMs = nowMs;
    },
    get seconds() {
      return activeMs / 1000;
    },
    reset() {
      lastMs = null;
      activeMs = 0;
    },
  };
}
