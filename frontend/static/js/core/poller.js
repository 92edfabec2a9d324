// One poller for every page that follows server-side work (a job, a study's measurements, an export):
// asks `load()` now and after each wait, never two requests at once, hands each answer to
// `onUpdate(answer, previous)` and stops once `isDone(answer)` (or on stop()). After an error the wait
// doubles up to `max`; after an answer `nextWait(wait, answer, previous)` sets it. Nothing is asked while
// `isHidden()`; visibilityChanged() asks at once when the tab shows again. Pure: the fetch, the timers and
// the tab's visibility are injected (node --test).

export function createPoller({ load, onUpdate, onError = () => {}, isDone, nextWait, isHidden = () => false, timers = globalThis, min = 1000, max = 10000 }) {
  let timer = null;
  let stopped = true;
  let inFlight = false;
  let wait = min;
  let previous = null;

  function schedule(delay) {
    if (stopped || timer != null || isHidden()) return;
    timer = timers.setTimeout(tick, delay);
  }

  function clear() {
    if (timer != null) timers.clearTimeout(timer);
    timer = null;
  }

  async function tick() {
    timer = null;
    if (stopped || inFlight || isHidden()) return;
    inFlight = true;
    try {
      const answer = await load();
      if (stopped) return;
      wait = nextWait(wait, answer, previous);
      onUpdate(answer, previous);
      previous = answer;
      if (isDone(answer)) stopped = true;
    } catch (error) {
      if (stopped) return;
      wait = Math.min(max, wait * 2);
      onError(error);
    } finally {
      inFlight = false;
    }
    schedule(wait);
  }

  return {
    /** Starts following after `delay` ms; `first` is an answer already in hand (it counts as the first ask). */
    start({ delay, first = null } = {}) {
      stopped = false;
      wait = min;
      if (first) {
        previous = first;
        if (isDone(first)) {
          stopped = true;
          return;
        }
      }
      schedule(delay ?? (first ? min : 0));
    },
    stop() {
      stopped = true;
      clear();
    },
    /** Ask now (after an action such as cancel) instead of waiting for the next tick. */
    poke() {
      if (stopped || inFlight) return; // an answer is on its way; the next tick follows it
      clear();
      schedule(0);
    },
    visibilityChanged() {
      if (isHidden()) return clear();
      wait = min;
      schedule(0);
    },
    get running() {
      return !stopped;
    },
    get delay() {
      return wait;
    },
  };
}
