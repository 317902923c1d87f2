import type { Static, TSchema } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import type { BasaltApp } from '../app/index.js';
import type { Logger } from '../core/index.js';
import type { Database } from '../db/index.js';
import { JobsError } from './errors.js';
import type { EnqueueManyOptions, EnqueueOptions, JobHandle } from './job.js';
import { compileInput, fieldErrors } from './validate.js';

/** How long to wait before a retry: a fixed delay, or one that doubles each attempt. */
export interface BackoffOptions {
  type: 'fixed' | 'exponential';
  /** The first delay, milliseconds (default 1000). */
  delay?: number;
  /** The longest delay, milliseconds (default one hour). */
  maxDelay?: number;
  /**
   * Randomness added to each delay, 0–1: 0.5 spreads a 10 s delay over 5–10 s (default 0 for
   * `fixed`, 0.5 for `exponential`, so that jobs failing together do not retry together).
   */
  jitter?: number;
}

/** What a task's handler receives. */
export interface TaskContext<I> {
  /** The validated input given at enqueue. */
  readonly input: I;
  /** The job being run. */
  readonly job: {
    readonly id: string;
    readonly task: string;
    readonly queue: string;
    /** This attempt, from 1. */
    readonly attempt: number;
    readonly maxAttempts: number;
    readonly enqueuedAt: Date;
  };
  /** The app's database (absent when the worker runs without one). */
  readonly db: Database;
  /**
   * The app the worker runs, to reach its other capabilities (`getStorage(ctx.app)`,
   * `ctx.app.config`). Reading it throws when the jobs client was made without an app
   * (`createJobs` in a script with no `app` option).
   */
  readonly app: BasaltApp;
  /** A logger bound to the job id and task name. */
  readonly log: Logger;
  /** Aborted when the job passes its timeout, is cancelled, or the worker stops for good. */
  readonly signal: AbortSignal;
}

/** A task's handler: the function a worker runs for each job. */
export type TaskHandler<I, R> = (context: TaskContext<I>) => Promise<R> | R;

/** Options of {@link defineTask}. */
export interface TaskOptions<S extends TSchema> {
  /** The input schema; a payload that does not match is refused at enqueue (400). */
  input: S;
  /** How many times a failed job is tried again (default 3; 0 never retries). */
  retries?: number;
  /** The delay before each retry (default exponential from 1 s with jitter). */
  backoff?: BackoffOptions | 'fixed' | 'exponential';
  /** Milliseconds a run may take before it is failed (and retried per policy); default 5 minutes. */
  timeout?: number;
  /** From -100 (last) to 100 (first), default 0: which waiting job a worker takes first. */
  priority?: number;
  /** The queue jobs go to (default `default`); workers choose queues with `--queues`. */
  queue?: string;
  /**
   * The idempotency key of a job from its input (`(input) => \`order-${input.orderId}\``): a second
   * enqueue with the same key returns the existing job instead of adding one, for as long as
   * that job is kept. `enqueue(..., { idempotencyKey })` overrides it.
   */
  unique?: (input: Static<S>) => string;
}

/** Where `task.enqueue` sends jobs: set by `jobs()` when an app starts, or by `createJobs`. */
export interface TaskEnqueuer {
  enqueue<S extends TSchema, R>(
    task: Task<S, R>,
    input: Static<S>,
    options?: EnqueueOptions,
  ): Promise<JobHandle<R>>;
  /**
   * Adds one job per input in as few round trips as the backend allows (one INSERT per 500
   * jobs on the database, BullMQ's `addBulk` on Redis). Every input is validated first: one
   * bad input refuses the whole batch. Optional for enqueuers of your own (then one by one).
   */
  enqueueMany?<S extends TSchema, R>(
    task: Task<S, R>,
    inputs: readonly Static<S>[],
    options?: EnqueueManyOptions,
  ): Promise<JobHandle<R>[]>;
}

/** A declared task; enqueue jobs of it with `task.enqueue(input)`. */
export interface Task<S extends TSchema = TSchema, R = unknown> {
  readonly name: string;
  readonly input: S;
  readonly retries: number;
  readonly backoff: Required<BackoffOptions>;
  readonly timeout: number;
  readonly priority: number;
  readonly queue: string;
  readonly unique: ((input: Static<S>) => string) | undefined;
  readonly handler: TaskHandler<Static<S>, R>;
  /**
   * Validates `input` and adds a job, through the jobs of the app started last (or the
   * `jobs` client given in `options`). Pass `{ db: tx }` to enqueue inside a transaction.
   */
  enqueue(input: Static<S>, options?: EnqueueOptions & { jobs?: TaskEnqueuer }): Promise<JobHandle<R>>;
  /**
   * Validates every input, then adds one job per input in bulk (see `TaskEnqueuer.enqueueMany`);
   * the handles come in the order of the inputs.
   */
  enqueueMany(
    inputs: readonly Static<S>[],
    options?: EnqueueManyOptions & { jobs?: TaskEnqueuer },
  ): Promise<JobHandle<R>[]>;
  /** Validates a payload: returns it with defaults applied, or throws `BASALT_JOBS_INVALID_INPUT`. */
  validate(input: unknown): Static<S>;
}

/** A task of any input and result. */
// biome-ignore lint/suspicious/noExplicitAny: a task list holds tasks of any input type
export type AnyTask = Task<any, any>;

const bindings = new WeakMap<AnyTask, TaskEnqueuer>();

/** Makes `task.enqueue` go through `enqueuer` (called by `jobs()` and `createJobs`). */
export function bindTask(task: AnyTask, enqueuer: TaskEnqueuer): void {
  bindings.set(task, enqueuer);
}

const NAME = /^[A-Za-z0-9][\w.:-]{0,199}$/;

function backoffOf(option: TaskOptions<TSchema>['backoff']): Required<BackoffOptions> {
  const spec = typeof option === 'string' ? { type: option } : (option ?? { type: 'exponential' as const });
  const result = {
    type: spec.type,
    delay: spec.delay ?? 1000,
    maxDelay: spec.maxDelay ?? 3_600_000,
    jitter: spec.jitter ?? (spec.type === 'exponential' ? 0.5 : 0),
  };
  if (result.type !== 'fixed' && result.type !== 'exponential')
    throw new TypeError(`backoff.type must be 'fixed' or 'exponential', not '${String(result.type)}'`);
  if (!(result.delay >= 0) || !(result.maxDelay >= 0) || !(result.jitter >= 0 && result.jitter <= 1))
    throw new TypeError('backoff needs delay ≥ 0, maxDelay ≥ 0 and jitter between 0 and 1');
  return result;
}

/**
 * The delay before retry number `retry` (1 for the first retry): `delay`, or `delay × 2^(retry-1)`
 * for exponential, capped at `maxDelay`, minus up to `jitter` of itself at random.
 */
export function backoffDelay(backoff: Required<BackoffOptions>, retry: number, random = Math.random): number {
  const base = backoff.type === 'fixed' ? backoff.delay : backoff.delay * 2 ** Math.max(0, retry - 1);
  const capped = Math.min(base, backoff.maxDelay);
  return Math.round(capped * (1 - backoff.jitter * random()));
}

/** Checks a priority is an integer in -100..100. */
export function assertPriority(priority: number, where: string): void {
  if (!Number.isInteger(priority) || priority < -100 || priority > 100)
    throw new JobsError(
      'BASALT_JOBS_INVALID_OPTIONS',
      `${where}: priority must be an integer from -100 to 100`,
    );
}

/**
 * Declares a background task: its input schema, retry policy, timeout, priority and queue,
 * and the handler a worker runs.
 *
 * @example
 * export const sendReceipt = defineTask('send-receipt', {
 *   input: t.Object({ orderId: t.Integer() }), retries: 5, backoff: 'exponential',
 * }, async ({ input, db, log }) => { ... });
 * await sendReceipt.enqueue({ orderId: 42 });
 */
export function defineTask<S extends TSchema, R>(
  name: string,
  options: TaskOptions<S>,
  handler: TaskHandler<Static<S>, R>,
): Task<S, R> {
  if (!NAME.test(name))
    throw new TypeError(`Task name '${name}' must be 1–200 letters, digits, '.', ':', '_' or '-'`);
  const retries = options.retries ?? 3;
  if (!Number.isInteger(retries) || retries < 0)
    throw new TypeError(`${name}: retries must be an integer ≥ 0`);
  const timeout = options.timeout ?? 300_000;
  if (!(timeout > 0)) throw new TypeError(`${name}: timeout must be a positive number of milliseconds`);
  const priority = options.priority ?? 0;
  assertPriority(priority, name);
  const queue = options.queue ?? 'default';
  if (!NAME.test(queue)) throw new TypeError(`${name}: queue '${queue}' is not a valid queue name`);
  let validator: ValidateFunction | undefined;
  const task: Task<S, R> = {
    name,
    input: options.input,
    retries,
    backoff: backoffOf(options.backoff),
    timeout,
    priority,
    queue,
    unique: options.unique,
    handler,
    validate(input) {
      validator ??= compileInput(options.input);
      let copy: unknown;
      try {
        copy = input === undefined ? undefined : JSON.parse(JSON.stringify(input));
      } catch (error) {
        throw new JobsError('BASALT_JOBS_INVALID_INPUT', `${name}: the input is not JSON-serialisable`, {
          cause: error,
        });
      }
      if (!validator(copy))
        throw new JobsError('BASALT_JOBS_INVALID_INPUT', `Invalid input for task '${name}'`, {
          errors: fieldErrors(validator.errors),
        });
      return copy as Static<S>;
    },
    enqueue(input, enqueueOptions = {}) {
      const { jobs, ...rest } = enqueueOptions;
      const target = jobs ?? bindings.get(task);
      if (!target)
        return Promise.reject(
          new JobsError(
            'BASALT_JOBS_NOT_CONFIGURED',
            `Task '${name}' is not registered with a started app: list it in jobs({ tasks }) or pass { jobs }`,
          ),
        );
      return target.enqueue(task, input, rest);
    },
    async enqueueMany(inputs, enqueueOptions = {}) {
      const { jobs, ...rest } = enqueueOptions;
      const target = jobs ?? bindings.get(task);
      if (!target)
        throw new JobsError(
          'BASALT_JOBS_NOT_CONFIGURED',
          `Task '${name}' is not registered with a started app: list it in jobs({ tasks }) or pass { jobs }`,
        );
      if (target.enqueueMany) return target.enqueueMany(task, inputs, rest);
      const handles: JobHandle<R>[] = [];
      for (const input of inputs) handles.push(await target.enqueue(task, input, rest));
      return handles;
    },
  };
  return task;
}
