// Helpers suites use to check, before any load, that an implementation answers correctly.

/**
 * Sends one request and returns status, content type and the parsed JSON body
 * (undefined when the body is not JSON).
 *
 * @param {string} url
 * @param {RequestInit} [init]
 * @returns {Promise<{ status: number, type: string, body: unknown, text: string }>}
 */
export async function requestJson(url, init) {
  const response = await fetch(url, init);
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, type, body, text };
}

/**
 * The shape of a JSON value: property names and value types, not values.
 * `{ a: 1, b: 'x' }` → `{ a: 'number', b: 'string' }`. Two implementations agree when
 * their shapes are deep-equal.
 *
 * @param {unknown} value
 * @returns {unknown}
 */
export function shapeOf(value) {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shapeOf(/** @type {Record<string, unknown>} */ (value)[key])]),
    );
  }
  return value === null ? 'null' : typeof value;
}

/** Thrown when an implementation answers a check wrongly; the suite refuses to load it. */
export class VerificationError extends Error {
  name = 'VerificationError';
}

/**
 * @param {boolean} condition
 * @param {string} message
 * @returns {asserts condition}
 */
export function expect(condition, message) {
  if (!condition) throw new VerificationError(message);
}
