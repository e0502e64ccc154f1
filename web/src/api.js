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

/** GETs JSON from the server with the key; throws ApiError with a readable message. */
export async function getJson(path, { signal, what } = {}) {
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

  return response.json();
}
