import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { PRESETS, applyWindow, buildGreyLut, clampWindow, describeWindow, dragToWindow, greyFor, matchPreset, presetByKey, windowHU } from "../../static/js/core/windowing.js";

test("the four presets are soft tissue, muscle, liver and bone with their published windows", () => {
  assert.deepEqual(
    PRESETS.map((p) => [p.key, p.width, p.level]),
    [["soft", 400, 40], ["muscle", 250, 50], ["liver", 150, 60], ["bone", 1800, 400]],
  );
});

test("the muscle preset keeps the whole muscle range -29..150 HU on the grey ramp", () => {
  const { width, level } = presetByKey("muscle");
  assert.ok(greyFor(-29, width, level) > 0);
  assert.ok(greyFor(150, width, level) < 255);
  assert.equal(greyFor(-100, width, level), 0, "fat is black");
});

test("grey is black below the window, white above it and mid-grey at the level", () => {
  assert.equal(greyFor(-160, 400, 40), 0);
  assert.equal(greyFor(-1000, 400, 40), 0);
  assert.equal(greyFor(240, 400, 40), 255);
  assert.equal(greyFor(3000, 400, 40), 255);
  assert.equal(greyFor(40, 400, 40), 128);
});

test("the lookup table covers the whole int16 range and agrees with greyFor", () => {
  const lut = buildGreyLut(400, 40);
  assert.equal(lut.length, 65536);
  for (const hu of [-32768, -1024, -161, -160, 0, 40, 239, 240, 32767]) {
    assert.equal(lut[hu + 32768], greyFor(hu, 400, 40), `hu ${hu}`);
  }
});

test("applyWindow writes opaque grey RGBA pixels for every HU value", () => {
  const hu = Int16Array.from([-32768, -1000, 40, 240, 32767]);
  const out = new Uint8ClampedArray(hu.length * 4);
  applyWindow(hu, 400, 40, out);
  assert.deepEqual([...out], [0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
});

test("applyWindow follows a change of window after a cached one", () => {
  const hu = Int16Array.from([400]);
  const out = new Uint8ClampedArray(4);
  applyWindow(hu, 400, 40, out);
  assert.equal(out[0], 255);
  applyWindow(hu, 1800, 400, out);
  assert.equal(out[0], 128);
});

test("applyWindow refuses an output buffer too small for the image", () => {
  assert.throws(() => applyWindow(new Int16Array(4), 400, 40, new Uint8ClampedArray(8)), RangeError);
});

test("applyWindow windows a 512x512 slice in well under a frame", () => {
  const hu = new Int16Array(512 * 512).map((_, i) => (i % 3000) - 1000);
  const out = new Uint8ClampedArray(hu.length * 4);
  applyWindow(hu, 400, 40, out);
  const started = performance.now();
  for (let i = 0; i < 10; i++) applyWindow(hu, 400, 40, out);
  assert.ok((performance.now() - started) / 10 < 16, "slower than 16 ms per slice");
});

test("dragging right widens the window and dragging down raises the level", () => {
  const start = { width: 400, level: 40 };
  const moved = dragToWindow(start, 100, 50);
  assert.ok(moved.width > start.width);
  assert.ok(moved.level > start.level);
  const back = dragToWindow(start, -100, -50);
  assert.ok(back.width < start.width);
  assert.ok(back.level < start.level);
});

test("a drag moves a wide window faster than a narrow one", () => {
  const narrow = dragToWindow({ width: 150, level: 60 }, 0, 100).level - 60;
  const wide = dragToWindow({ width: 1800, level: 400 }, 0, 100).level - 400;
  assert.ok(wide > narrow * 5);
});

test("the window never gets narrower than 1 HU nor leaves the int16 range", () => {
  assert.equal(dragToWindow({ width: 10, level: 0 }, -10000, 0).width, 1);
  assert.equal(clampWindow({ width: 1e9, level: 1e9 }).level, 32767);
  assert.equal(clampWindow({ width: 1e9, level: -1e9 }).width, 65536);
});

test("a window is described with its preset name when it matches one", () => {
  assert.equal(matchPreset(1800, 400).key, "bone");
  assert.equal(matchPreset(401, 40), null);
  assert.equal(describeWindow({ width: 1800, level: 400 }), "W 1800 / L 400 (Bone)");
  assert.equal(describeWindow({ width: 401, level: 40 }), "W 401 / L 40");
});

const grayOf = (rgba) => [...rgba].filter((_, i) => i % 4 === 0);

describe("windowHU", () => {
  it("maps the window linearly onto 0..255 and clamps outside it", () => {
    const hu = Int16Array.of(-1000, -160, 0, 40, 80, 240, 3000);
    const rgba = windowHU(hu, 400, 40); // soft tissue: -160..240
    assert.deepEqual(grayOf(rgba), [0, 0, 102, 128, 153, 255, 255]);
  });

  it("writes opaque gray RGBA, four bytes per pixel", () => {
    const rgba = windowHU(Int16Array.of(100, 510), 510, 255);
    assert.ok(rgba instanceof Uint8ClampedArray);
    assert.deepEqual([...rgba], [50, 50, 50, 255, 255, 255, 255, 255]);
  });

  it("brightens as the level drops and steepens as the width narrows", () => {
    const hu = Int16Array.of(50);
    assert.ok(windowHU(hu, 400, 0)[0] > windowHU(hu, 400, 100)[0]);
    const narrow = windowHU(Int16Array.of(60), 100, 50)[0] - windowHU(Int16Array.of(40), 100, 50)[0];
    const wide = windowHU(Int16Array.of(60), 1000, 50)[0] - windowHU(Int16Array.of(40), 1000, 50)[0];
    assert.ok(narrow > wide);
  });

  it("reuses an output buffer and survives a zero width", () => {
    const out = new Uint8ClampedArray(8);
    assert.equal(windowHU(Int16Array.of(-5, 5), 0, 0, out), out);
    assert.deepEqual(grayOf(out), [0, 255]);
  });
});
