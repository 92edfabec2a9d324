// The annotation endpoints the labelling and review pages call (docs/annotations-api.md), over fetch.
// Masks travel as 8-bit grayscale PNG label maps; writes carry If-Match with the ETag (412 stale, 428 missing).
//
// API (every failure is a core/api.js ApiError carrying .status)
//   fetchPixelsAt(url)                     -> { hu, rows, columns, spacing }   (the /pixels answer)
//   fetchMask(url, { width, height, labels }) -> { mask, etag, source, modelVersion }
//   fetchOptionalMask(url, expected)       -> the same, or null on 404 (e.g. no pre-label)
//   putMask(url, bytes, { etag, activeSeconds, labelsCovered? }) -> { etag, annotation }
//                                          (labelsCovered: the X-Labels-Covered header, e.g. "muscle")
//   postWithEtag(url, etag, json?)         -> { etag, annotation }   (submit, review)
//   fetchAnnotation(url)                   -> { etag, annotation }

import { ApiError, errorMessage, parsePixels, requestHeaders } from "../../core/api.js";
import { decodePNG } from "../codec.js";

async function send(url, init = {}) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...init });
  } catch {
    throw new ApiError(errorMessage(null, 0), { status: 0 });
  }
  if (!response.ok) {
    const type = response.headers.get("Content-Type") ?? "";
    const body = type.includes("json") ? await response.json().catch(() => null) : await response.text().catch(() => "");
    throw new ApiError(errorMessage(body, response.status), { status: response.status, body });
  }
  return response;
}

// The server's ETag header, else the one in the JSON body.
function etagOf(response, annotation) {
  return response.headers.get("ETag") ?? annotation?.etag ?? null;
}

export async function fetchPixelsAt(url) {
  const response = await send(url); // no Accept header: DRF would answer 406 to octet-stream
  return parsePixels(await response.arrayBuffer(), response.headers);
}

export async function fetchMask(url, expected) {
  // No Accept header: the API's content negotiation (DRF) answers 406 to Accept: image/png.
  const response = await send(url);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return {
    mask: await decodePNG(bytes, expected),
    etag: response.headers.get("ETag"),
    source: response.headers.get("X-Mask-Source") ?? "annotation",
    modelVersion: response.headers.get("X-Model-Version"),
  };
}

export async function fetchOptionalMask(url, expected) {
  try {
    return await fetchMask(url, expected);
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

export async function putMask(url, bytes, { etag, activeSeconds, labelsCovered = null }) {
  const headers = requestHeaders("PUT", {
    "Content-Type": "image/png",
    "If-Match": etag ?? "",
    "X-Active-Seconds": activeSeconds.toFixed(1),
    ...(labelsCovered ? { "X-Labels-Covered": labelsCovered } : {}),
  });
  const response = await send(url, { method: "PUT", headers, body: bytes });
  const annotation = await response.json().catch(() => null);
  return { etag: etagOf(response, annotation), annotation };
}

export async function postWithEtag(url, etag, json = {}) {
  const headers = requestHeaders("POST", { "Content-Type": "application/json", "If-Match": etag ?? "" });
  const response = await send(url, { method: "POST", headers, body: JSON.stringify(json) });
  const annotation = await response.json().catch(() => null);
  return { etag: etagOf(response, annotation), annotation };
}

export async function fetchAnnotation(url) {
  const response = await send(url, { headers: { Accept: "application/json" } });
  const annotation = await response.json();
  return { etag: etagOf(response, annotation), annotation };
}
