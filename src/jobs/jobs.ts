import type { Static, TSchema } from '@sinclair/typebox';
import type { BasaltApp } from '../app/index.js';
import type { Database } from '../db/index.js';
import type { JobsBackend } from './backends/backend.js';
import { JobsError } from './errors.js';
import { type JobsInstrumentation, registerInstrumentable } from './instrumentation.js';
import type {
  EnqueueManyOptions,
  EnqueueOptions,
  JobCounts,
  JobFilter,
  JobHandle,
  JobRecord,
  JobState,
  NewJob,
  PurgeFilter,
} from './job.js';
import { type AnyTask, assertPriority, bindTask, type Task, type TaskEnqueuer } from './task.js';

/** Options of {@link createJobs}. */
export interface CreateJobsOptions {
  backend: JobsBackend;
  /** Every task workers may run (and `task.enqueue` may send through these jobs). */
  tasks: readonly AnyTask[];
  /** The database handlers receive as `ctx.db`. */
  db?: Database;
  /** The app handlers receive as `ctx.app` (`jobs()` passes its app). */
  app?: BasaltApp;
  /**
   * Make `task.enqueue(...)` of these tasks go through this client (default true; `jobs()`
   * does it when the app is created).
   */
  bind?: boolean;
}

/** The jobs API of an app: enqueue, inspect and manage jobs on one backend. */
export interface Jobs extends TaskEnqueuer {
  readonly backend: JobsBackend;
  readonly tasks: ReadonlyMap<string, AnyTask>;
  readonly db: Database | undefined;
  readonly app: BasaltApp | undefined;
  /**
   * Adds one job of `task` per input, in bulk: one INSERT per 500 jobs on the database (all
   * or none, in `options.db`'s transaction when given), BullMQ's `addBulk` on Redis. Every
   * input is validated before any job is added. Handles come in the order of the inputs.
   *
   * @example
   * await jobs.enqueueMany(sendReceipt, orders.map((o) => ({ orderId: o.id })), { db: tx });
   */
  enqueueMany<S extends TSchema, R>(
    task: Task<S, R>,
    inputs: readonly Static<S>[],
    options?: EnqueueManyOptions,
  ): Promise<JobHandle<R>[]>;
  /** A handle on an existing job. */
  handle<R = unknown>(id: string, task?: string): JobHandle<R>;
  get(id: string): Promise<JobRecord | null>;
  list(filter?: JobFilter): Promise<JobRecord[]>;
  counts(): Promise<JobCounts>;
  /** Jobs per state, queue by queue (`basalt_jobs{queue,state}` of metrics()). */
  countsByQueue(): Promise<Record<string, JobCounts>>;
  /** Queues a dead-lettered or cancelled job again; 404 when unknown, 409 in another state. */
  retry(id: string): Promise<JobRecord>;
  /** Cancels a queued, delayed or running job; 404 when unknown, 409 when already finished. */
  cancel(id: string): Promise<JobRecord | null>;
  /** Removes finished jobs; returns how many. */
  purge(filter?: PurgeFilter): Promise<number>;
  close(): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Creates the jobs client over a backend (what `jobs()` does for an app; use it directly in
 * scripts and tests).
 *
 * @example
 * const jobs = createJobs({ backend: databaseBackend({ db }), tasks: [sendReceipt] });
 * const job = await jobs.enqueue(sendReceipt, { orderId: 1 });
 */
export function createJobs(options: CreateJobsOptions): Jobs {
  const { backend } = options;
  const tasks = new Map<string, AnyTask>();
  for (const task of options.tasks) {
    const known = tasks.get(task.name);
    if (known && known !== task) throw new TypeError(`Two tasks are named '${task.name}'`);
    tasks.set(task.name, task);
  }

  // Tracing's, when on (see instrumentation.ts): one check per enqueue otherwise.
  let instrumentation: JobsInstrumentation | undefined;

  // Methods, not arrow properties: made per enqueue, and running from source (tsx keeps
  // names) each arrow property costs a defineProperty.
  const handle = <R>(id: string, task = ''): JobHandle<R> => ({
    id,
    task,
    get() {
      return backend.get(id);
    },
    async state() {
      return (await backend.get(id))?.state ?? null;
    },
    async result(waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeout ?? 30_000);
      for (;;) {
        const job = await backend.get(id);
        if (!job) throw new JobsError('BASALT_JOBS_JOB_NOT_FOUND', `Job ${id} does not exist (any more)`);
        if (job.state === 'completed') return job.result as R;
        if (job.state === 'failed' || job.state === 'cancelled')
          throw new JobsError(
            'BASALT_JOBS_INVALID_STATE',
            `Job ${id} ${job.state}: ${job.error ?? 'no error kept'}`,
          );
        if (Date.now() > deadline)
          throw new JobsError('BASALT_JOBS_TIMEOUT', `Job ${id} is still ${job.state satisfies JobState}`);
        await sleep(waitOptions.interval ?? 100);
      }
    },
  });

  /** Validates inputs and options (all before any job is added) into the jobs a backend adds. */
  function prepare<S extends TSchema>(
    task: Task<S, unknown>,
    inputs: readonly Static<S>[],
    enqueueOptions: EnqueueOptions,
  ): NewJob[] {
    if (tasks.get(task.name) !== task)
      throw new JobsError(
        'BASALT_JOBS_UNKNOWN_TASK',
        `Task '${task.name}' is not one of this app's tasks: list it in jobs({ tasks })`,
      );
    const priority = enqueueOptions.priority ?? task.priority;
    assertPriority(priority, task.name);
    const { delay, runAt } = enqueueOptions;
    if (delay !== undefined && !(Number.isFinite(delay) && delay >= 0))
      throw new JobsError('BASALT_JOBS_INVALID_OPTIONS', `${task.name}: delay must be a number of ms ≥ 0`);
    if (runAt !== undefined && !(runAt instanceof Date && Number.isFinite(runAt.getTime())))
      throw new JobsError('BASALT_JOBS_INVALID_OPTIONS', `${task.name}: runAt must be a valid Date`);
    const when = runAt ?? new Date(Date.now() + (delay ?? 0));
    return inputs.map((input) => {
      const valid = task.validate(input);
      const key = enqueueOptions.idempotencyKey ?? task.unique?.(valid);
      if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 300))
        throw new JobsError(
          'BASALT_JOBS_INVALID_OPTIONS',
          `${task.name}: the idempotency key must be a string of 1–300 characters`,
        );
      return {
        task: task.name,
        queue: task.queue,
        input: valid,
        priority,
        maxAttempts: task.retries + 1,
        runAt: when,
        idempotencyKey: key === undefined ? null : `${task.name}/${key}`,
      };
    });
  }

  const jobs: Jobs = {
    backend,
    tasks,
    db: options.db,
    app: options.app,
    async enqueue<S extends TSchema, R>(
      task: Task<S, R>,
      input: Static<S>,
      enqueueOptions: EnqueueOptions = {},
    ) {
      const prepared = prepare(task, [input], enqueueOptions);
      const via = enqueueOptions.db ? { db: enqueueOptions.db } : {};
      const record = await (instrumentation === undefined
        ? backend.enqueue(prepared[0]!, via)
        : instrumentation.enqueue(prepared, () => backend.enqueue(prepared[0]!, via)));
      return handle<R>(record.id, task.name);
    },
    async enqueueMany<S extends TSchema, R>(
      task: Task<S, R>,
      inputs: readonly Static<S>[],
      enqueueOptions: EnqueueManyOptions = {},
    ) {
      const many = prepare(task, inputs, enqueueOptions);
      if (many.length === 0) return [];
      const via = enqueueOptions.db ? { db: enqueueOptions.db } : {};
      const add = async () => {
        if (backend.enqueueMany) return backend.enqueueMany(many, via);
        const one: JobRecord[] = [];
        for (const job of many) one.push(await backend.enqueue(job, via));
        return one;
      };
      const records = await (instrumentation === undefined ? add() : instrumentation.enqueue(many, add));
      return records.map((record) => handle<R>(record.id, task.name));
    },
    handle,
    get: (id) => backend.get(id),
    list: (filter) => backend.list(filter),
    counts: () => backend.counts(),
    countsByQueue: () => backend.countsByQueue(),
    retry: (id) => backend.retry(id),
    cancel: (id) => backend.cancel(id),
    purge: (filter) => backend.purge(filter),
    close: () => backend.close(),
  };
  registerInstrumentable(jobs, (set) => {
    instrumentation = set;
  });
  backend.useQueues?.([...new Set([...tasks.values()].map((t) => t.queue))]);
  if (options.bind !== false) for (const task of tasks.values()) bindTask(task, jobs);
  return jobs;
}
