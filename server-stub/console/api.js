// The console's one way to call the server's API: JSON in and out, the session cookie
// sent by the browser, and the CSRF token in its header when one is given (every request
// that changes something needs it; GETs do not). With `contentType`, `body` is sent as it
// is (a file's bytes, say) instead of as JSON.
export async function call(method, path, {body, csrf, contentType} = {}) {
  const headers = {'Content-Type': contentType ?? 'application/json'};
  if (csrf) headers['X-CSRF-Token'] = csrf;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined || contentType ? body : JSON.stringify(body),
    credentials: 'same-origin',
  });
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  const retryAfter = Number(response.headers.get('Retry-After') || 0);
  return {status: response.status, answer, retryAfter};
}

// A query string of the values that are set ('' and null are left out), in `names` order.
export function query(values, names) {
  const search = new URLSearchParams();
  for (const name of names) {
    const value = values[name];
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

// GET `path` for a page: {status, data} on 200, otherwise {status, error} with the
// server's message (or the status when it sent none).
export async function load(path) {
  let result;
  try {
    result = await call('GET', path);
  } catch (error) {
    return {status: 0, error: String(error.message || error)};
  }
  const {status, answer} = result;
  if (status === 200) return {status, data: answer};
  return {status, error: answer?.error?.message ?? `HTTP ${status}`};
}
