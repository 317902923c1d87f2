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
