import { test } from "node:test";
import assert from "node:assert/strict";
import { MARKERS, formatLength, mmPerScreenPixel, scaleBar } from "../../static/js/core/orientation.js";

test("the markers are those of the standard radiological view: anterior up, patient right on the left", () => {
  assert.deepEqual({ ...MARKERS }, { top: "A", bottom: "P", left: "R", right: "L" });
});

test("the scale bar is the longest 1-2-5 length that fits, and its pixels match the millimetres", () => {
  // a 512-pixel slice of 0.86 mm pixels fitted into 600 screen pixels: 0.733 mm per screen pixel
  const mmPerPx = mmPerScreenPixel({ scale: 600 / 512 }, [0.859375, 0.859375]);
  const bar = scaleBar(mmPerPx, 120);
  assert.equal(bar.mm, 50);
  assert.equal(bar.label, "5 cm");
  assert.ok(Math.abs(bar.px * mmPerPx - 50) < 1e-9);
  assert.ok(bar.px <= 120);
});

test("zooming in shortens the bar's length in millimetres, never its honesty", () => {
  assert.equal(scaleBar(0.05, 120).mm, 5);
  assert.equal(scaleBar(0.05, 120).label, "5 mm");
  assert.equal(scaleBar(0.01, 120).mm, 1);
  assert.equal(scaleBar(0.002, 120).mm, 0.2);
  assert.equal(scaleBar(1, 100).mm, 100);
  assert.equal(scaleBar(1, 99.9).mm, 50);
});

test("the bar uses the column spacing: non-square pixels are drawn at their physical width", () => {
  assert.equal(mmPerScreenPixel({ scale: 2 }, [1.0, 0.5]), 0.25);
});

test("no bar without a usable spacing or viewport", () => {
  assert.equal(scaleBar(mmPerScreenPixel({ scale: 1 }, null), 120), null);
  assert.equal(scaleBar(mmPerScreenPixel(null, [1, 1]), 120), null);
  assert.equal(scaleBar(0.5, 0), null);
});

test("lengths read in centimetres from 1 cm up", () => {
  assert.equal(formatLength(20), "2 cm");
  assert.equal(formatLength(2), "2 mm");
  assert.equal(formatLength(0.5), "0.5 mm");
});
