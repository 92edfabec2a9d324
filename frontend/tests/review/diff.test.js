import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createMask } from "../../static/js/labelling/mask.js";
import { composeReview, diffMasks } from "../../static/js/review/diff.js";

function masks() {
  const prelabel = createMask(4, 2);
  const mask = createMask(4, 2);
  prelabel.data.set([1, 1, 0, 2, 0, 0, 1, 0]);
  mask.data.set([1, 0, 1, 1, 0, 0, 1, 0]);
  return { prelabel, mask };
}

describe("review diff", () => {
  it("sorts each changed pixel into added, removed or relabelled", () => {
    const { prelabel, mask } = masks();
    const { map, counts } = diffMasks(prelabel, mask);
    assert.deepEqual([...map.data], [0, 2, 1, 3, 0, 0, 0, 0]);
    assert.deepEqual(counts, { added: 1, removed: 1, relabelled: 1, changed: 3 });
  });

  it("counts every labelled pixel as added when there is no pre-label", () => {
    const { mask } = masks();
    assert.deepEqual(diffMasks(null, mask).counts, { added: 4, removed: 0, relabelled: 0, changed: 4 });
  });

  it("refuses masks of different sizes", () => {
    assert.throws(() => diffMasks(createMask(3, 3), createMask(4, 2)), /differ in size/);
  });

  it("colours added pixels green and leaves unchanged background grey", () => {
    const { prelabel, mask } = masks();
    const { map } = diffMasks(prelabel, mask);
    const base = new Uint8ClampedArray(8 * 4).fill(100);
    const out = composeReview(base, mask, map, { mode: "diff" });
    const pixel = (i) => [...out.subarray(i * 4, i * 4 + 4)];
    assert.deepEqual(pixel(4), [100, 100, 100, 255], "unchanged background");
    assert.deepEqual(pixel(0), [100, 100, 100, 255], "unchanged label is not drawn in diff mode");
    const [r, g, b] = pixel(2);
    assert.ok(g > r && g > b, `added pixel is green, got ${pixel(2)}`);
    const both = composeReview(base, mask, map, { mode: "both" });
    assert.notDeepEqual([...both.subarray(0, 4)], [100, 100, 100, 255], "both mode shows the mask too");
  });
});
