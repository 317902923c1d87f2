import { BasaltError } from '../../core/index.js';
import type { RateLimitResult } from './consume.js';

/**
 * The `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` headers (IETF draft
 * names; Reset is in seconds from now) describing `result`, for any answer.
 *
 * @example
 * reply.headers(rateLimitHeaders(result));
 */
export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  return {
    'RateLimit-Limit': String(result.limit),
    'RateLimit-Remaining': String(result.remaining),
    'RateLimit-Reset': String(Math.max(0, Math.ceil((result.resetAt - Date.now()) / 1000))),
  };
}

/**
 * The 429 `BASALT_HTTP_TOO_MANY_REQUESTS` error for a refused `result`, carrying
 * `Retry-After` (whole seconds, at least 1) and the {@link rateLimitHeaders}.
 *
 * @example
 * if (!result.allowed) throw rateLimitError(result, 'Too many login attempts');
 */
export function rateLimitError(result: RateLimitResult, message?: string): BasaltError {
  const retryAfter = Math.max(1, result.retryAfterSeconds);
  return new BasaltError(
    'BASALT_HTTP_TOO_MANY_REQUESTS',
    message ?? `Too many requests; try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}`,
    { headers: { ...rateLimitHeaders(result), 'Retry-After': String(retryAfter) } },
  );
}
