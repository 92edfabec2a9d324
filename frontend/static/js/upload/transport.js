// Sends one queue item to POST /api/studies/ with XMLHttpRequest: fetch() cannot report upload
// progress, XHR's upload.onprogress can.

import { csrfToken } from "../core/api.js";

export const UPLOAD_URL = "/api/studies/";

function parseBody(xhr) {
  const text = xhr.responseText ?? "";
  if ((xhr.getResponseHeader("Content-Type") ?? "").includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Resolves { status, body } for any HTTP answer; rejects when no answer came (network, abort). */
export function sendFile(item, onProgress, { url = UPLOAD_URL } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    const token = csrfToken();
    if (token) xhr.setRequestHeader("X-CSRFToken", token);
    xhr.upload.onprogress = (event) => onProgress(event.lengthComputable ? (event.loaded / event.total) * item.size : 0);
    xhr.upload.onload = () => onProgress(item.size);
    xhr.onload = () => resolve({ status: xhr.status, body: parseBody(xhr) });
    xhr.onerror = () => reject(new Error("Network error: the upload did not reach the server"));
    xhr.onabort = () => reject(new Error("Upload cancelled"));
    const form = new FormData();
    form.append("files", item.file, item.file.name);
    xhr.send(form);
  });
}
