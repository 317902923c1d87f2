/**
 * Gives up on operations that have not settled within one timeout, all watched by a single
 * timer. ioredis's `commandTimeout` arms and clears a timer per command, which measured about
 * 11 µs of CPU per BullMQ `add` here (a third of the whole call); this costs a set insertion.
 *
 * The operation itself is not cancelled (neither is an ioredis command that timed out): the
 * caller is answered `onTimeout()`'s error and the work may still finish later.
 */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #onTimeout: () => Error;
  /** Insertion order is deadline order (one timeout for all): the oldest come first. */
  readonly #pending = new Set<{ at: number; reject: (error: Error) => void }>();
  #timer: NodeJS.Timeout | undefined;

  /** `onTimeout` makes the error an operation past `timeoutMs` rejects with. */
  constructor(timeoutMs: number, onTimeout: () => Error) {
    this.#timeoutMs = timeoutMs;
    this.#onTimeout = onTimeout;
  }

  /** `work`'s outcome, or `onTimeout()`'s error once `timeoutMs` (plus up to a tenth) has passed. */
  within<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = { at: Date.now() + this.#timeoutMs, reject };
      this.#pending.add(entry);
      // One sweep every tenth of the timeout while anything is pending; it stops itself once
      // a sweep finds nothing, so an idle client holds no timer.
      if (!this.#timer) {
        this.#timer = setInterval(() => this.#sweep(), Math.max(5, Math.ceil(this.#timeoutMs / 10)));
        this.#timer.unref();
      }
      work.then(
        (value) => {
          this.#pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.#pending.delete(entry);
          reject(error);
        },
      );
    });
  }

  #sweep(): void {
    const now = Date.now();
    for (const entry of this.#pending) {
      if (entry.at > now) return;
      this.#pending.delete(entry);
      entry.reject(this.#onTimeout());
    }
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops the sweep (pending operations are no longer timed). */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
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

  /** Starts `entry`'s timeout of `ms`; {@link Timeouts.cancel} it once it settled. */
  start(entry: Expiring, ms: number): void {
    let group = this.#groups.get(ms);
    if (!group) {
      group = { pending: new Map(), timer: undefined };
      this.#groups.set(ms, group);
    }
    group.pending.set(entry, performance.now() + ms);
    if (!group.timer) {
      const swept = group;
      // Not unref'd, as a setTimeout per operation was not: a pending timeout keeps the
      // process alive until it fires.
      group.timer = setInterval(() => this.#sweep(swept), Math.min(1000, Math.max(5, Math.ceil(ms / 10))));
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
    const now = performance.now();
    for (const [entry, at] of group.pending) {
      if (at > now) return;
      group.pending.delete(entry);
      entry.expire();
    }
    clearInterval(group.timer);
    group.timer = undefined;
  }
}
