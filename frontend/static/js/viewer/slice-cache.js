// Pixels per image, fetched once: an LRU of promises so a slice asked for twice while loading is
// fetched once, and scrolling back is instant. Pure apart from the injected `load(imageId)`.

// 96 slices of 512x512 int16 is 48 MiB: a long series scrolls back instantly, memory stays modest.
export const DEFAULT_CAPACITY = 96;

export class SliceCache {
  constructor(load, { capacity = DEFAULT_CAPACITY } = {}) {
    this.load = load;
    this.capacity = capacity;
    this.entries = new Map(); // imageId -> Promise; Map order is recency order
  }

  has(imageId) {
    return this.entries.has(imageId);
  }

  get(imageId) {
    const cached = this.entries.get(imageId);
    if (cached) {
      this.entries.delete(imageId);
      this.entries.set(imageId, cached);
      return cached;
    }
    const pending = Promise.resolve()
      .then(() => this.load(imageId))
      .catch((error) => {
        // A failed load is not cached: the next request tries again.
        if (this.entries.get(imageId) === pending) this.entries.delete(imageId);
        throw error;
      });
    this.entries.set(imageId, pending);
    this.evict();
    return pending;
  }

  /** Starts loading ids not yet cached, without waiting; errors are left for a later get(). */
  prefetch(imageIds) {
    for (const id of imageIds) if (!this.has(id)) this.get(id).catch(() => {});
  }

  evict() {
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      this.entries.delete(oldest);
    }
  }
}

/** Indices to prefetch around `index`, nearest first, the scroll direction favoured. */
export function neighbourIndices(index, count, { radius = 3, direction = 1 } = {}) {
  const ahead = direction >= 0 ? 1 : -1;
  const order = [];
  for (let step = 1; step <= radius; step++) {
    for (const candidate of [index + ahead * step, index - ahead * step]) {
      if (candidate >= 0 && candidate < count) order.push(candidate);
    }
  }
  return order;
}
