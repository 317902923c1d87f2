import type { BasaltApp } from '../app/index.js';
import type { Logger } from '../core/index.js';
import type { Database } from '../db/index.js';
import { type Expiring, Timeouts } from '../internal/deadlines.js';
import { JobsError } from './errors.js';
import type { ClaimedJob } from './job.js';
import { type AnyTask, backoffDelay, type TaskContext } from './task.js';

/**
 * Runs one claimed job through its task: the handler races the task's timeout and the
 * worker's abort signal (cancellation, lost lease, shutdown). A handler that ignores the
 * signal keeps running in the background, but its outcome is no longer recorded.
 */
/**
 * One 'abort' listener per signal, dispatching to the jobs running under it: a consumer that
 * shares one signal between its jobs (Redis) then pays a Set insertion per job, not an
 * EventTarget listener.
 */
const watchers = new WeakMap<AbortSignal, Set<Aborted>>();

/** What a watched signal's abort is dispatched to. */
interface Aborted {
  aborted(): void;
}

function watch(signal: AbortSignal, run: Aborted): void {
  let set = watchers.get(signal);
  if (!set) {
    const created = new Set<Aborted>();
    set = created;
    watchers.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        for (const one of [...created]) one.aborted();
      },
      { once: true },
    );
  }
  set.add(run);
}

function unwatch(signal: AbortSignal, run: Aborted): void {
  watchers.get(signal)?.delete(run);
}

/**
 * A run's abort state. The handler's signal is made on first read (an AbortController costs
 * more than a no-op job); an abort before that read is kept and applied then. A class rather
 * than closures: running from source (tsx keeps names), each closure bound to a name costs a
 * defineProperty per job.
 */
class RunAbort {
  #controller: AbortController | undefined;
  #abortedWith: { reason: unknown } | undefined;

  abort(reason: unknown): void {
    this.#abortedWith ??= { reason };
    this.#controller?.abort(reason);
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#abortedWith) this.#controller.abort(this.#abortedWith.reason);
    }
    return this.#controller.signal;
  }
}

/**
 * What a handler receives. A class with its getters on the prototype: an object literal with
 * getters defines each accessor per job, which costs more than a no-op job.
 */
class JobContext {
  readonly input: unknown;
  readonly job: TaskContext<unknown>['job'];
  readonly db: Database;
  readonly #deps: { app?: BasaltApp | undefined; log: Logger };
  readonly #aborts: RunAbort;
  #child: Logger | undefined;

  constructor(
    job: ClaimedJob,
    deps: { db: Database | undefined; app?: BasaltApp | undefined; log: Logger },
    aborts: RunAbort,
  ) {
    this.input = job.input;
    this.job = {
      id: job.id,
      task: job.task,
      queue: job.queue,
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      enqueuedAt: job.enqueuedAt,
    };
    this.db = deps.db as Database;
    this.#deps = deps;
    this.#aborts = aborts;
  }

  get app(): BasaltApp {
    if (!this.#deps.app)
      throw new JobsError(
        'BASALT_JOBS_NOT_CONFIGURED',
        `Task '${this.job.task}' reads ctx.app, but this jobs client was created without an app`,
      );
    return this.#deps.app;
  }

  /** A child logger costs more than a no-op job: made on first use only. */
  get log(): Logger {
    this.#child ??= this.#deps.log.child({ job: this.job.id, task: this.job.task });
    return this.#child;
  }

  get signal(): AbortSignal {
    return this.#aborts.signal;
  }
}

/** The error a run ends with when the worker's signal aborts it. */
function abortError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

export async function runJob(
  tasks: ReadonlyMap<string, AnyTask>,
  job: ClaimedJob,
  outer: AbortSignal,
  deps: { db: Database | undefined; app?: BasaltApp | undefined; log: Logger },
): Promise<unknown> {
  const task = tasks.get(job.task);
  if (!task)
    throw new JobsError(
      'BASALT_JOBS_UNKNOWN_TASK',
      `This worker has no task named '${job.task}' (job ${job.id})`,
    );
  const aborts = new RunAbort();
  if (outer.aborted) aborts.abort(outer.reason);
  const result: unknown = task.handler(new JobContext(job, deps, aborts));
  // A handler that returned synchronously is done: nothing can time it out or abort it now.
  if (typeof (result as PromiseLike<unknown> | null)?.then !== 'function') return result;
  // The outcome: the handler's, unless its timeout or the worker's signal comes first (one
  // promise settled by whichever happens first, rather than a race of two).
  return new Promise<unknown>((resolve, reject) => {
    new PendingRun(task, job, outer, aborts, resolve, reject).follow(result as PromiseLike<unknown>);
  });
}

/** Every run's timeout, through one interval per timeout value rather than a timer per job. */
const timeouts = new Timeouts();

/**
 * A run whose handler returned a promise: settled by the handler, its timeout or the worker's
 * signal, whichever comes first. A class rather than closures (see {@link RunAbort}).
 */
class PendingRun implements Expiring, Aborted {
  readonly #task: AnyTask;
  readonly #job: ClaimedJob;
  readonly #outer: AbortSignal;
  readonly #aborts: RunAbort;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: unknown) => void;
  #settled = false;

  constructor(
    task: AnyTask,
    job: ClaimedJob,
    outer: AbortSignal,
    aborts: RunAbort,
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ) {
    this.#task = task;
    this.#job = job;
    this.#outer = outer;
    this.#aborts = aborts;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Settles with `result`, unless the timeout or the worker's signal comes first. */
  follow(result: PromiseLike<unknown>): void {
    if (this.#outer.aborted) {
      this.aborted();
      return;
    }
    timeouts.start(this, this.#task.timeout);
    watch(this.#outer, this);
    result.then(
      (value) => {
        if (this.#finish()) this.#resolve(value);
      },
      (error: unknown) => {
        if (this.#finish()) this.#reject(error);
      },
    );
  }

  /** The timeout passed (called by {@link timeouts}, which already forgot this run). */
  expire(): void {
    if (this.#settled) return;
    this.#settled = true;
    unwatch(this.#outer, this);
    const error = new JobsError(
      'BASALT_JOBS_TIMEOUT',
      `Task '${this.#task.name}' ran past its timeout of ${this.#task.timeout} ms (attempt ${this.#job.attempt})`,
    );
    this.#aborts.abort(error);
    this.#reject(error);
  }

  /** The worker's signal aborted. */
  aborted(): void {
    if (!this.#finish()) return;
    this.#aborts.abort(this.#outer.reason);
    this.#reject(abortError(this.#outer.reason));
  }

  /** Marks the run settled, its timeout and watch dropped; false when it already was. */
  #finish(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    timeouts.cancel(this, this.#task.timeout);
    unwatch(this.#outer, this);
    return true;
  }
}

/** The delay before the next attempt of a failed job, per its task's backoff. */
export function retryDelayFor(tasks: ReadonlyMap<string, AnyTask>, job: ClaimedJob): number | null {
  const task = tasks.get(job.task);
  if (!task) return null;
  return backoffDelay(task.backoff, job.attempt);
}
