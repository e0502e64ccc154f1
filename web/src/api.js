// Talking to the GeoOrs server: the API key kept in session storage, JSON requests that carry it,
// and the server's refusals (401, 403, 429) as messages a person can act on.

const KEY = 'geoors.apiKey';

export function apiKey() {
  try {
    return sessionStorage.getItem(KEY) || '';
  } catch {
    return '';
  }
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

/** Headers for a request to this server: the key when signed in. */
export function authHeaders(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, 'X-Api-Key': key } : { ...extra };
}

/** Whether a URL points at this server (only those get the key). */
export function sameOrigin(url) {
  try {
    return new URL(url, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

/** A sentence for a refusal or failure, by status. */
export function describeStatus(status, retryAfter, what = 'This request') {
  switch (status) {
    case 401:
      return apiKey()
        ? 'The server did not accept your API key. Sign out, or sign in again with a valid key.'
        : `${what} needs an API key: sign in with one.`;
    case 403:
      return `Your key's role may not see this: ${what.toLowerCase()} needs a key with more access.`;
    case 429:
      return `Too many requests from this key or address; try again${retryAfter ? ` in ${retryAfter} s` : ' in a minute'}.`;
    case 404:
      return `${what} was not found.`;
    default:
      return status >= 500 ? `The server failed (${status}); try again later.` : `${what} failed (${status}).`;
  }
}

/** GETs JSON from the server with the key; throws ApiError with a readable message. With withEtag, the answer's ETag is its `etag`. */
export async function getJson(path, { signal, what, withEtag = false } = {}) {
  let response;
  try {
    response = await fetch(path, { headers: authHeaders({ Accept: 'application/json' }), signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'The server cannot be reached.');
  }

  if (!response.ok) {
    let detail = '';
    try {
      detail = (await response.json()).detail || '';
    } catch {
      // not a problem document
    }
    throw new ApiError(response.status, describeStatus(response.status, response.headers.get('Retry-After'), what), detail);
  }

  const body = await response.json();
  if (withEtag) body.etag = response.headers.get('ETag');
  return body;
}

/** Sends JSON (POST, PUT, PATCH) with the key, and If-Match when given; the answer's JSON, or ApiError with the problem's detail. */
export async function sendJson(path, method, body, { ifMatch, what = 'The request' } = {}) {
  const headers = authHeaders({ Accept: 'application/json', 'Content-Type': 'application/json' });
  if (ifMatch) headers['If-Match'] = ifMatch;
  let response;
  try {
    response = await fetch(path, { method, headers, body: JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'The server cannot be reached.');
  }

  if (!response.ok) {
    let detail = '';
    try {
      const problem = await response.json();
      detail = problem.detail || Object.values(problem.errors || {}).flat().join(' ') || '';
    } catch {
      // not a problem document
    }
    const message = response.status === 409 || response.status === 412
      ? 'Someone changed the alert first: it is shown as it is now.'
      : describeStatus(response.status, response.headers.get('Retry-After'), what);
    throw new ApiError(response.status, message, detail);
  }

  return response.status === 204 ? null : response.json();
}
