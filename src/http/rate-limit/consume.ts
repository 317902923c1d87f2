import { parseDuration } from './duration.js';
import type { RateLimitStore } from './store.js';

/** A limit: at most `max` requests per `window` (ms, or a duration such as `'1m'`). */
export interface RateLimitRule {
  /** Requests allowed per window. */
  max: number;
  /** Window length: milliseconds, or `'30s'`, `'1m'`, `'1h'`, `'1d'`. */
  window: string | number;
}

/** The outcome of {@link consumeRateLimit}. */
export interface RateLimitResult {
  /** Whether this request is within the limit. */
  allowed: boolean;
  /** Requests still allowed in the current window (never negative). */
  remaining: number;
  /** Whole seconds until the window ends when refused (at least 1); 0 when allowed. */
  retryAfterSeconds: number;
  /** The rule's `max`. */
  limit: number;
  /** Epoch milliseconds at which the current window ends. */
  resetAt: number;
}

/**
 * Counts one request for `key` against `rule` and says whether it is allowed. Refused
 * requests are counted too, so a client that keeps trying does not get in sooner.
 * Store errors (Redis down) reject: the caller chooses to fail open or closed.
 *
 * @example
 * const result = await consumeRateLimit(store, `login:ip:${ip}`, { max: 5, window: '1m' });
 * if (!result.allowed) throw rateLimitError(result);
 */
export async function consumeRateLimit(
  store: RateLimitStore,
  key: string,
  rule: RateLimitRule,
): Promise<RateLimitResult> {
  if (!Number.isSafeInteger(rule.max) || rule.max < 1)
    throw new TypeError(`A rate limit's max must be a positive integer, got ${String(rule.max)}`);
  const windowMs = parseDuration(rule.window);
  const { count, resetAt } = await store.hit(key, windowMs);
  const allowed = count <= rule.max;
  return {
    allowed,
    remaining: Math.max(0, rule.max - count),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((resetAt - Date.now()) / 1000)),
    limit: rule.max,
    resetAt,
  };
}
