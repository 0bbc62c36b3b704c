// The HTTP API: JSON in and out, the token from session storage, errors as ApiError.

const TOKEN_KEY = "loom.token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An error answer: `{"error": {"code", "message", "details"}}` with its HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function headers(extra = {}) {
  const result = { Accept: "application/json", ...extra };
  const value = token();
  if (value) result.Authorization = `Bearer ${value}`;
  return result;
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: keep the status line
  }
  const error = body && body.error;
  if (response.status === 401) window.dispatchEvent(new CustomEvent("loom:unauthorized"));
  return new ApiError(
    response.status,
    error ? error.code : `http_${response.status}`,
    error ? error.message : `${response.status} ${response.statusText}`,
    error ? error.details : null,
  );
}

/** One request; resolves to the parsed JSON (null for 204), rejects with ApiError. */
export async function api(method, path, body) {
  const init = { method, headers: headers() };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body);
export const put = (path, body) => api("PUT", path, body);
export const del = (path) => api("DELETE", path);

/** The items of a list answer: an array, or a page `{items, total, limit, offset}`. */
export function itemsOf(answer) {
  if (Array.isArray(answer)) return answer;
  return answer && Array.isArray(answer.items) ? answer.items : [];
}

/** The caller's datasets and the samples (the list answers as an array or as a page). */
export async function listDatasets() {
  return itemsOf(await get("/api/datasets?limit=200"));
}

/** Ids are UUIDs, which the API has written in upper and in lower case: compare either. */
export function sameID(a, b) {
  return a !== null && a !== undefined && b !== null && b !== undefined && String(a).toLowerCase() === String(b).toLowerCase();
}

/** A binary resource the API guards (plots): a blob URL the caller revokes. */
export async function blobURL(path) {
  const response = await fetch(path, { headers: headers({ Accept: "*/*" }) });
  if (!response.ok) throw await failure(response);
  return URL.createObjectURL(await response.blob());
}

/** Uploads a file as the request body, reporting progress (fetch cannot, XHR can). */
export function upload(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value);
    request.setRequestHeader("Content-Type", "text/csv");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = null;
      }
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve(body);
      } else {
        const error = body && body.error;
        reject(new ApiError(request.status, error ? error.code : `http_${request.status}`,
          error ? error.message : `upload failed (${request.status})`, error ? error.details : null));
      }
    });
    request.addEventListener("error", () => reject(new ApiError(0, "network", "the upload could not reach the server")));
    request.send(file);
  });
}
