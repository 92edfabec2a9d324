import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  coverageHeader,
  describeCoverage,
  initialCoverage,
  paintedOutsideCoverage,
  uncoveredWarning,
  withoutUncovered,
} from "../../static/js/labelling/coverage.js";
import { DEFAULT_LABELS, createMask } from "../../static/js/labelling/mask.js";

const LABELS = DEFAULT_LABELS;

describe("coverage", () => {
  it("starts from the current revision's labels, and from every label without one", () => {
    assert.deepEqual([...initialCoverage(LABELS, { labels_covered: ["muscle"] })], ["muscle"]);
    assert.deepEqual([...initialCoverage(LABELS, null)], ["muscle", "liver"]);
    assert.deepEqual([...initialCoverage(LABELS, { labels_covered: null })], ["muscle", "liver"]);
  });

  it("builds the header in label-set order whatever order the boxes were ticked", () => {
    assert.equal(coverageHeader(LABELS, new Set(["liver", "muscle"])), "muscle,liver");
    assert.equal(coverageHeader(LABELS, new Set(["muscle"])), "muscle");
  });

  it("refuses to build a header that covers nothing", () => {
    assert.throws(() => coverageHeader(LABELS, new Set()), /at least one label/);
  });

  it("finds painted labels the mask says it does not cover, with their pixel counts", () => {
    const mask = createMask(4, 4, LABELS);
    mask.data.set([1, 1, 2, 2, 2]);
    assert.deepEqual(paintedOutsideCoverage(mask, new Set(["muscle"])), [{ value: 2, name: "liver", pixels: 3 }]);
    assert.deepEqual(paintedOutsideCoverage(mask, new Set(["muscle", "liver"])), []);
    mask.data.fill(1);
    assert.deepEqual(paintedOutsideCoverage(mask, new Set(["muscle"])), []);
  });

  it("describes coverage the way the review page shows it", () => {
    assert.equal(describeCoverage(LABELS, new Set(["muscle"])), "muscle only");
    assert.equal(describeCoverage(LABELS, new Set(["muscle", "liver"])), "muscle and liver");
    assert.equal(describeCoverage(LABELS, new Set()), "no label");
  });

  it("drops uncovered labels from a copy, leaving the original alone", () => {
    const mask = createMask(2, 2, LABELS);
    mask.data.set([1, 2, 2, 0]);
    assert.deepEqual([...withoutUncovered(mask, new Set(["muscle"])).data], [1, 0, 0, 0]);
    assert.deepEqual([...withoutUncovered(mask, new Set(["muscle", "liver"])).data], [1, 2, 2, 0]);
    assert.deepEqual([...mask.data], [1, 2, 2, 0]);
  });

  it("warns by name and says how to fix it, and says nothing when nothing conflicts", () => {
    assert.match(uncoveredWarning([{ value: 2, name: "liver", pixels: 3 }]), /paints liver \(3 px\).*erase it or tick/);
    assert.equal(uncoveredWarning([]), "");
  });
});
