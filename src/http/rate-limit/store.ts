/** What a store answers for one hit: the key's count in the current window and when it ends. */
export interface RateLimitHit {
  /** Total cost counted for the key in the current window, this hit included. */
  count: number;
  /** Epoch milliseconds at which the current window ends and the count starts again from zero. */
  resetAt: number;
}

/**
 * Where rate-limit counters live. Each key has a fixed window: the first hit opens it for
 * `windowMs`, later hits add to its count until it ends. `hit` must be atomic, so that
 * concurrent callers (even in other processes, for a shared store) never lose a count.
 *
 * @example
 * const { count, resetAt } = await store.hit('login:ip:203.0.113.7', 60_000);
 */
export interface RateLimitStore {
  /** Adds `cost` (default 1) to `key`'s counter, opening a window of `windowMs` if none is open. */
  hit(key: string, windowMs: number, cost?: number): Promise<RateLimitHit>;
  /** Forgets `key`'s counter, so its next hit opens a new window. */
  reset(key: string): Promise<void>;
  /** Releases what the store holds (timers, connections it opened). */
  close(): Promise<void>;
}

/** Rejects a window or cost a store cannot count with. */
export function assertHitArguments(windowMs: number, cost: number): void {
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0)
    throw new TypeError(
      `windowMs must be a positive integer number of milliseconds, got ${String(windowMs)}`,
    );
  if (!Number.isSafeInteger(cost) || cost < 0)
    throw new TypeError(`cost must be a non-negative integer, got ${String(cost)}`);
}
