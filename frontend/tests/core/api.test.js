import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, errorMessage, int16FromLittleEndian, parsePixels, requestHeaders } from "../../static/js/core/api.js";

function pixelHeaders(rows, columns, extra = {}) {
  return new Headers({ "X-Rows": String(rows), "X-Columns": String(columns), "X-Pixel-Spacing": "0.8,0.7", "X-Dtype": "int16-le", ...extra });
}

function littleEndianBytes(values) {
  const view = new DataView(new ArrayBuffer(values.length * 2));
  values.forEach((v, i) => view.setInt16(i * 2, v, true));
  return view.buffer;
}

test("pixels are read as little-endian int16 with their shape and spacing", () => {
  const pixels = parsePixels(littleEndianBytes([-1024, 0, 40, 3071, -32768, 32767]), pixelHeaders(2, 3));
  assert.deepEqual([...pixels.hu], [-1024, 0, 40, 3071, -32768, 32767]);
  assert.equal(pixels.rows, 2);
  assert.equal(pixels.columns, 3);
  assert.deepEqual(pixels.spacing, [0.8, 0.7]);
});

test("pixels whose byte count does not match the shape are refused", () => {
  assert.throws(() => parsePixels(littleEndianBytes([1, 2, 3]), pixelHeaders(2, 3)), ApiError);
  assert.throws(() => parsePixels(new ArrayBuffer(3), pixelHeaders(1, 1)), ApiError);
});

test("pixels of another type or without a shape are refused", () => {
  assert.throws(() => parsePixels(littleEndianBytes([1]), pixelHeaders(1, 1, { "X-Dtype": "uint8" })), /Unsupported/);
  assert.throws(() => parsePixels(littleEndianBytes([1]), new Headers()), /X-Rows/);
});

test("a missing pixel spacing is null, not NaN", () => {
  const pixels = parsePixels(littleEndianBytes([1]), new Headers({ "X-Rows": "1", "X-Columns": "1" }));
  assert.equal(pixels.spacing, null);
});

test("int16 conversion agrees with DataView little-endian reads", () => {
  const buffer = littleEndianBytes([258, -2]);
  assert.deepEqual([...int16FromLittleEndian(buffer)], [258, -2]);
});

test("error messages come from detail, then reason, then the first field error", () => {
  assert.equal(errorMessage({ detail: "Not found." }, 404), "Not found.");
  assert.equal(errorMessage({ reason: "Not a DICOM file" }, 400), "Not a DICOM file");
  assert.equal(errorMessage({ results: [{ reason: null }, { reason: "Modality is MR" }] }, 400), "Modality is MR");
  assert.equal(errorMessage({ files: ["This field is required."] }, 400), "files: This field is required.");
  assert.equal(errorMessage("<html>Bad gateway</html>", 502), "Request failed (HTTP 502)");
  assert.match(errorMessage(null, 0), /Network error/);
});

test("the CSRF token is sent on unsafe methods only", () => {
  assert.equal(requestHeaders("POST", {}, "tok")["X-CSRFToken"], "tok");
  assert.equal(requestHeaders("DELETE", {}, "tok")["X-CSRFToken"], "tok");
  assert.equal(requestHeaders("GET", {}, "tok")["X-CSRFToken"], undefined);
  assert.equal(requestHeaders("POST", {}, "")["X-CSRFToken"], undefined);
});
