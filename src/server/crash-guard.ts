/** How many unexpected worker deaths within a window make the server give up. */
export interface CrashGuardOptions {
  /** Crashes allowed within `windowMs` before giving up (default 5). */
  maxCrashes?: number;
  /** The window, in milliseconds (default 10 000). */
  windowMs?: number;
  /** First restart delay, doubled for each recent crash (default 100 ms, at most 5 s). */
  baseDelayMs?: number;
}

/** What to do after a crash: restart after a delay, or give up. */
export type CrashDecision =
  | { restart: true; delayMs: number }
  | { restart: false; crashes: number; windowMs: number };

/**
 * Keeps a crash loop from spinning: each crash delays the replacement a little more, and
 * too many crashes in a short window stop the replacements altogether (as Gunicorn does).
 */
export class CrashGuard {
  readonly #maxCrashes: number;
  readonly #windowMs: number;
  readonly #baseDelayMs: number;
  #crashes: number[] = [];

  constructor(options: CrashGuardOptions = {}) {
    this.#maxCrashes = options.maxCrashes ?? 5;
    this.#windowMs = options.windowMs ?? 10_000;
    this.#baseDelayMs = options.baseDelayMs ?? 100;
  }

  /** Records a crash at `now` and decides whether to replace the worker. */
  record(now: number = Date.now()): CrashDecision {
    this.#crashes = [...this.#crashes.filter((at) => now - at < this.#windowMs), now];
    const recent = this.#crashes.length;
    if (recent >= this.#maxCrashes) return { restart: false, crashes: recent, windowMs: this.#windowMs };
    return { restart: true, delayMs: Math.min(this.#baseDelayMs * 2 ** (recent - 1), 5_000) };
  }
}
