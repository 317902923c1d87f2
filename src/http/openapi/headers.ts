type JsonObject = { [key: string]: unknown };

/**
 * The headers of a rate-limited endpoint's answers (see `rateLimitHeaders`). They are
 * `required`: the limit is counted before anything else runs, so every answer but a crash
 * carries them (unless the counter store is down, when requests are let through uncounted).
 */
export const RATE_LIMIT_HEADERS: Record<string, JsonObject> = {
  'RateLimit-Limit': {
    description: 'Requests allowed in the current window',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the window resets',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647 },
  },
};
const headerRefs = (names: readonly string[]) =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
const LIMIT_HEADER_NAMES = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];
/** Statuses a request may get before its limit is counted: a router error (400, 414), a rejected credential. */
const BEFORE_COUNT = new Set([400, 401, 403, 414]);
/** The limit headers of those statuses, which a request refused before it was counted lacks. */
const LIMIT_HEADERS_IF_COUNTED: JsonObject = Object.fromEntries(
  LIMIT_HEADER_NAMES.map((name) => [
    name,
    {
      ...RATE_LIMIT_HEADERS[name],
      required: false,
      description: `${String(RATE_LIMIT_HEADERS[name]!.description)}; absent when the request was refused before it was counted (a Host not allowed, a malformed or too long URL, a rejected token, a failed CSRF check)`,
    },
  ]),
);

/**
 * The headers `@fastify/cors` adds to every answer when CORS_ORIGINS is set: the allowed
 * origin (`*`, or the request's Origin when it is one of the list), and with a list the
 * permission to send credentials.
 */
export function corsHeaders(origins: readonly string[]): Record<string, JsonObject> {
  if (origins.includes('*')) {
    return {
      'Access-Control-Allow-Origin': {
        description: 'Any origin may read the answer (CORS_ORIGINS is *)',
        schema: { type: 'string', const: '*' },
      },
    };
  }
  return {
    'Access-Control-Allow-Origin': {
      description: "The request's Origin, sent when it is one of the allowed origins (CORS_ORIGINS)",
      schema: { type: 'string', enum: [...origins] },
    },
    'Access-Control-Allow-Credentials': {
      description: 'Sent with an allowed origin: the browser may send cookies and read the answer',
      schema: { type: 'string', const: 'true' },
    },
  };
}

/**
 * The headers of one declared answer: the rate limit's (required, or optional where the
 * request may be refused before it is counted) and the CORS ones; undefined for none.
 */
export function answerHeaders(
  code: number,
  limited: boolean,
  cors: Record<string, JsonObject> | undefined,
): JsonObject | undefined {
  const headers: JsonObject = {};
  // The limit is counted before the endpoint's own work, so its answers carry it; a 400,
  // 401, 403 or 414 may come from before (a Host not allowed, a malformed or too long URL,
  // a rejected token, a failed CSRF check), so there it may not.
  if (limited && code < 500) {
    Object.assign(headers, headerRefs(code === 429 ? ['Retry-After'] : []));
    if (BEFORE_COUNT.has(code)) Object.assign(headers, LIMIT_HEADERS_IF_COUNTED);
    else Object.assign(headers, headerRefs(LIMIT_HEADER_NAMES));
  }
  if (cors) Object.assign(headers, headerRefs(Object.keys(cors)));
  return Object.keys(headers).length === 0 ? undefined : headers;
}
