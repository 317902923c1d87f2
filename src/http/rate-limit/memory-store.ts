import { assertHitArguments, type RateLimitHit, type RateLimitStore } from './store.js';

/** Options for {@link createMemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /** Most keys held at once; past it the oldest windows are dropped. Default 100,000. */
  maxKeys?: number;
  /** How often expired counters are swept in the background. Default 60 s. */
  sweepIntervalMs?: number;
}

/** The in-process store, which also tells how many keys it holds. */
export interface MemoryRateLimitStore extends RateLimitStore {
  /** Number of counters held, expired ones not yet swept included. */
  readonly size: number;
}

interface Counter {
  count: number;
  resetAt: number;
}

// Under a flood of new keys the store is full on every hit; a full sweep is O(keys), so it
// runs at most this often and the cheap front-of-map eviction covers the rest.
const FULL_SWEEP_EVERY_MS = 1000;

class MemoryStore implements MemoryRateLimitStore {
  // Insertion order is window-start order: a key is deleted and re-set when its window renews.
  readonly #counters = new Map<string, Counter>();
  readonly #maxKeys: number;
  readonly #sweepIntervalMs: number;
  #sweeper: NodeJS.Timeout | undefined;
  #lastFullSweep = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(maxKeys: number, sweepIntervalMs: number) {
    this.#maxKeys = maxKeys;
    this.#sweepIntervalMs = sweepIntervalMs;
  }

  get size(): number {
    return this.#counters.size;
  }

  async hit(key: string, windowMs: number, cost = 1): Promise<RateLimitHit> {
    assertHitArguments(windowMs, cost);
    if (this.#closed) throw new Error('The rate-limit store is closed');
    const now = Date.now();
    let counter = this.#counters.get(key);
    if (counter === undefined || counter.resetAt <= now) {
      if (counter !== undefined) this.#counters.delete(key);
      else if (this.#counters.size >= this.#maxKeys) this.#makeRoom(now);
      counter = { count: 0, resetAt: now + windowMs };
      this.#counters.set(key, counter);
      this.#startSweeper();
    }
    counter.count += cost;
    return { count: counter.count, resetAt: counter.resetAt };
  }

  async reset(key: string): Promise<void> {
    this.#counters.delete(key);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#counters.clear();
  }

  #makeRoom(now: number): void {
    if (now - this.#lastFullSweep >= FULL_SWEEP_EVERY_MS) {
      this.#lastFullSweep = now;
      this.#sweep(now);
    }
    // Still full: drop the oldest window, which is the first to end among equal windows.
    while (this.#counters.size >= this.#maxKeys) {
      const oldest = this.#counters.keys().next();
      if (oldest.done) break;
      this.#counters.delete(oldest.value);
    }
  }

  #sweep(now: number): void {
    for (const [key, counter] of this.#counters) if (counter.resetAt <= now) this.#counters.delete(key);
  }

  #startSweeper(): void {
    if (this.#sweeper !== undefined) return;
    this.#sweeper = setInterval(() => {
      this.#sweep(Date.now());
      if (this.#counters.size === 0) {
        clearInterval(this.#sweeper);
        this.#sweeper = undefined;
      }
    }, this.#sweepIntervalMs);
    // A rate limiter must never be the reason a process stays up.
    this.#sweeper.unref();
  }
}

/**
 * A store that keeps counters in this process: the default, right for one process. Each
 * process has its own counts, so with several workers or instances use
 * {@link createRedisRateLimitStore}. Keys are bounded by `maxKeys`; expired counters are
 * swept by an unref'd timer that never keeps the process alive.
 *
 * @example
 * const store = createMemoryRateLimitStore({ maxKeys: 10_000 });
 */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): MemoryRateLimitStore {
  const { maxKeys = 100_000, sweepIntervalMs = 60_000 } = options;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1)
    throw new TypeError(`maxKeys must be a positive integer, got ${String(maxKeys)}`);
  if (!Number.isSafeInteger(sweepIntervalMs) || sweepIntervalMs < 1)
    throw new TypeError(`sweepIntervalMs must be a positive integer, got ${String(sweepIntervalMs)}`);
  return new MemoryStore(maxKeys, sweepIntervalMs);
}
