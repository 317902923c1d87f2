/**
 * Gives up on operations that have not settled within one timeout, all watched by a single
 * timer ({@link Timeouts} with one timeout value). ioredis's `commandTimeout` arms and clears
 * a timer per command, which measured about 11 µs of CPU per BullMQ `add` here (a third of
 * the whole call); this costs a map insertion.
 *
 * The operation itself is not cancelled (neither is an ioredis command that timed out): the
 * caller is answered `onTimeout()`'s error and the work may still finish later. The timer is
 * unref'd: a pending call does not keep the process alive (its socket does, while open).
 */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #onTimeout: () => Error;
  // Date.now: the client's tests drive it with fake timers, which fake Date.
  readonly #timeouts = new Timeouts({ unref: true, clock: Date.now });

  /** `onTimeout` makes the error an operation past `timeoutMs` rejects with. */
  constructor(timeoutMs: number, onTimeout: () => Error) {
    this.#timeoutMs = timeoutMs;
    this.#onTimeout = onTimeout;
  }

  /** `work`'s outcome, or `onTimeout()`'s error once `timeoutMs` (plus up to a tenth) has passed. */
  within<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = new PendingCall(reject, this.#onTimeout);
      this.#timeouts.start(entry, this.#timeoutMs);
      work.then(
        (value) => {
          this.#timeouts.cancel(entry, this.#timeoutMs);
          resolve(value);
        },
        (error: unknown) => {
          this.#timeouts.cancel(entry, this.#timeoutMs);
          reject(error);
        },
      );
    });
  }

  /** Stops the sweep (pending operations are no longer timed). */
  close(): void {
    this.#timeouts.clear();
  }
}

/**
 * A call {@link Deadlines} watches. A class rather than an object with an arrow function: run
 * from source (tsx keeps names), each such arrow costs a defineProperty per call.
 */
class PendingCall implements Expiring {
  readonly #reject: (error: Error) => void;
  readonly #onTimeout: () => Error;

  constructor(reject: (error: Error) => void, onTimeout: () => Error) {
    this.#reject = reject;
    this.#onTimeout = onTimeout;
  }

  expire(): void {
    this.#reject(this.#onTimeout());
  }
}

/** Something {@link Timeouts} expires: `expire()` is called once its timeout has passed. */
export interface Expiring {
  expire(): void;
}

/** The operations of one timeout value, in start order (which is then also deadline order). */
interface TimeoutGroup {
  readonly pending: Map<Expiring, number>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Many timeouts through one interval per distinct timeout value, rather than a setTimeout and
 * clearTimeout per operation (about 2 µs of CPU per background job). An operation expires
 * within a tenth of its timeout after it passed (at most 1 s late, at least 5 ms granularity);
 * a group's interval stops at the first sweep that finds nothing pending, so an idle process
 * holds no timer.
 */
export class Timeouts {
  readonly #groups = new Map<number, TimeoutGroup>();
  readonly #unref: boolean;
  readonly #clock: () => number;

  /**
   * `unref`: the intervals do not keep the process alive (default: they do, as a setTimeout
   * per operation would). `clock`: ms, monotonic by default.
   */
  constructor(options: { unref?: boolean; clock?: () => number } = {}) {
    this.#unref = options.unref ?? false;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** Starts `entry`'s timeout of `ms`; {@link Timeouts.cancel} it once it settled. */
  start(entry: Expiring, ms: number): void {
    let group = this.#groups.get(ms);
    if (!group) {
      group = { pending: new Map(), timer: undefined };
      this.#groups.set(ms, group);
    }
    group.pending.set(entry, this.#clock() + ms);
    if (!group.timer) {
      const swept = group;
      group.timer = setInterval(() => this.#sweep(swept), Math.min(1000, Math.max(5, Math.ceil(ms / 10))));
      if (this.#unref) group.timer.unref();
    }
  }

  /** Forgets every pending timeout and stops every interval. */
  clear(): void {
    for (const group of this.#groups.values()) {
      clearInterval(group.timer);
      group.timer = undefined;
      group.pending.clear();
    }
  }

  /** How many intervals run now (one per timeout value with something pending). */
  get intervals(): number {
    let n = 0;
    for (const group of this.#groups.values()) if (group.timer) n += 1;
    return n;
  }

  /** Forgets `entry` (settled before its timeout). */
  cancel(entry: Expiring, ms: number): void {
    this.#groups.get(ms)?.pending.delete(entry);
  }

  #sweep(group: TimeoutGroup): void {
    const now = this.#clock();
    for (const [entry, at] of group.pending) {
      if (at > now) return;
      group.pending.delete(entry);
      entry.expire();
    }
    clearInterval(group.timer);
    group.timer = undefined;
  }
}
