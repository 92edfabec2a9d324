// A small fetch client for the MuscleSeed API: JSON in and out, the session's CSRF token on unsafe
// methods, and errors that carry the server's own sentence (`detail` or `reason`).

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

export class ApiError extends Error {
  constructor(message, { status = 0, body = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

/** The token base.html renders in <meta name="csrf-token">, or "" when the page has none. */
export function csrfToken(doc = globalThis.document) {
  return doc?.querySelector?.('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
}

/** The best human sentence in an error body: detail, reason, the first field error, or the status. */
export function errorMessage(body, status) {
  if (typeof body === "string" && body.trim() && body.length < 300 && !body.trimStart().startsWith("<")) {
    return body.trim();
  }
  if (body && typeof body === "object") {
    if (typeof body.detail === "string") return body.detail;
    if (typeof body.reason === "string") return body.reason;
    const firstResult = Array.isArray(body.results) ? body.results.find((r) => r?.reason) : null;
    if (firstResult) return firstResult.reason;
    for (const [field, value] of Object.entries(body)) {
      const text = Array.isArray(value) ? value.find((v) => typeof v === "string") : value;
      if (typeof text === "string") return field === "non_field_errors" ? text : `${field}: ${text}`;
    }
  }
  return status ? `Request failed (HTTP ${status})` : "Network error: the server could not be reached";
}

/** Headers for a request: Accept JSON, and X-CSRFToken on unsafe methods. */
export function requestHeaders(method, extra = {}, token = csrfToken()) {
  const headers = { Accept: "application/json", ...extra };
  if (!SAFE_METHODS.has(method.toUpperCase()) && token) headers["X-CSRFToken"] = token;
  return headers;
}

async function readBody(response) {
  const type = response.headers.get("Content-Type") ?? "";
  if (response.status === 204) return null;
  if (type.includes("json")) return response.json().catch(() => null);
  return response.text().catch(() => "");
}

/**
 * Sends a request and returns the parsed body. `json` is sent as a JSON body; `body` (FormData,
 * Blob...) is sent as is. Throws ApiError for network failures and non-2xx answers.
 */
export async function request(method, url, { json, body, headers = {}, signal } = {}) {
  const extra = json === undefined ? headers : { "Content-Type": "application/json", ...headers };
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: requestHeaders(method, extra),
      body: json === undefined ? body : JSON.stringify(json),
      credentials: "same-origin",
      signal,
    });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(errorMessage(null, 0), { status: 0 });
  }
  const parsed = await readBody(response);
  if (!response.ok) throw new ApiError(errorMessage(parsed, response.status), { status: response.status, body: parsed });
  return parsed;
}

export const getJson = (url, options) => request("GET", url, options);
export const postJson = (url, json, options) => request("POST", url, { ...options, json });
export const putJson = (url, json, options) => request("PUT", url, { ...options, json });
export const patchJson = (url, json, options) => request("PATCH", url, { ...options, json });

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian int16 bytes as an Int16Array, whatever this machine's byte order. */
export function int16FromLittleEndian(buffer) {
  if (buffer.byteLength % 2 !== 0) throw new ApiError("Pixel data has an odd number of bytes");
  if (LITTLE_ENDIAN) return new Int16Array(buffer);
  const view = new DataView(buffer);
  const hu = new Int16Array(buffer.byteLength / 2);
  for (let i = 0; i < hu.length; i++) hu[i] = view.getInt16(i * 2, true);
  return hu;
}

/** Parses a /pixels answer: its body and its X-Rows, X-Columns, X-Pixel-Spacing headers. */
export function parsePixels(buffer, headers) {
  const rows = Number.parseInt(headers.get("X-Rows"), 10);
  const columns = Number.parseInt(headers.get("X-Columns"), 10);
  const dtype = headers.get("X-Dtype");
  if (dtype && dtype !== "int16-le") throw new ApiError(`Unsupported pixel type ${dtype}`);
  if (!(rows > 0 && columns > 0)) throw new ApiError("Pixel answer lacks X-Rows / X-Columns");
  if (buffer.byteLength !== rows * columns * 2) {
    throw new ApiError(`Pixel data is ${buffer.byteLength} bytes, expected ${rows * columns * 2}`);
  }
  const spacing = (headers.get("X-Pixel-Spacing") ?? "")
    .split(",")
    .map((part) => Number.parseFloat(part))
    .filter((value) => Number.isFinite(value) && value > 0);
  return { hu: int16FromLittleEndian(buffer), rows, columns, spacing: spacing.length === 2 ? spacing : null };
}

/** GET /api/images/{id}/pixels -> { hu: Int16Array, rows, columns, spacing: [rowMm, colMm] | null }. */
export async function fetchPixels(imageId, { signal } = {}) {
  let response;
  try {
    response = await fetch(`/api/images/${encodeURIComponent(imageId)}/pixels`, {
      // No Accept header: DRF's content negotiation answers 406 to application/octet-stream.
      credentials: "same-origin",
      signal,
    });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(errorMessage(null, 0));
  }
  if (!response.ok) {
    const body = await readBody(response);
    throw new ApiError(errorMessage(body, response.status), { status: response.status, body });
  }
  return parsePixels(await response.arrayBuffer(), response.headers);
}
