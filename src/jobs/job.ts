import type { Executor } from '../db/index.js';

/** The states a job goes through. `failed` is the dead-letter state: retries are exhausted. */
export const JOB_STATES = ['queued', 'delayed', 'active', 'completed', 'failed', 'cancelled'] as const;

/**
 * `queued`: waiting for a worker; `delayed`: waiting for its time (a delay, or a retry's
 * backoff); `active`: leased by a worker; `completed`; `failed`: dead-lettered after its last
 * attempt, error and stack kept; `cancelled`.
 */
export type JobState = (typeof JOB_STATES)[number];

/** A job as stored: what `jobs show`, the REST endpoints and `handle.get()` report. */
export interface JobRecord {
  readonly id: string;
  readonly task: string;
  readonly queue: string;
  readonly state: JobState;
  readonly input: unknown;
  /** The handler's return value once completed. */
  readonly result: unknown;
  readonly priority: number;
  /** Attempts started so far. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly idempotencyKey: string | null;
  /** The last failure's message and stack (kept on a dead-lettered job). */
  readonly error: string | null;
  readonly stack: string | null;
  readonly enqueuedAt: Date;
  /** When it may run (next). */
  readonly runAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

/** Options of `task.enqueue`. */
export interface EnqueueOptions {
  /** Milliseconds to wait before the job may run. */
  delay?: number;
  /** When the job may run (instead of `delay`). */
  runAt?: Date;
  /** -100..100, overrides the task's priority; higher runs first. */
  priority?: number;
  /** A second enqueue with the same key (per task) returns the existing job. */
  idempotencyKey?: string;
  /**
   * The executor to enqueue with: pass a transaction (`tx`) and the job exists only if it
   * commits. Database backend: inserted in that transaction; Redis backend: added after commit.
   */
  db?: Executor;
}

/**
 * Options of `enqueueMany`: those of `enqueue` for every job of the batch, except the
 * idempotency key, which comes from each input through the task's `unique` option.
 */
export type EnqueueManyOptions = Omit<EnqueueOptions, 'idempotencyKey'>;

/** A job to add, as a backend receives it. */
export interface NewJob {
  task: string;
  queue: string;
  input: unknown;
  priority: number;
  maxAttempts: number;
  runAt: Date;
  idempotencyKey: string | null;
  /** The enqueuing trace's context (propagation headers as JSON), when tracing is on. */
  trace?: string | null;
}

/**
 * The record of a job a backend has just added (or will add once a transaction commits), from
 * what was given: nothing read back.
 */
export function newJobRecord(
  id: string,
  job: NewJob,
  state: 'queued' | 'delayed',
  enqueuedAt: Date,
): JobRecord {
  return {
    id,
    task: job.task,
    queue: job.queue,
    state,
    input: job.input === undefined ? null : job.input,
    result: null,
    priority: job.priority,
    attempts: 0,
    maxAttempts: job.maxAttempts,
    idempotencyKey: job.idempotencyKey,
    error: null,
    stack: null,
    enqueuedAt,
    runAt: job.runAt,
    startedAt: null,
    finishedAt: null,
  };
}

/** A job leased by a worker, as the processing function receives it. */
export interface ClaimedJob {
  readonly id: string;
  readonly task: string;
  readonly queue: string;
  readonly input: unknown;
  /** This attempt, from 1. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly enqueuedAt: Date;
  /** When it became runnable: enqueue-to-start latency is measured from here. */
  readonly runAt: Date;
  /** The trace context it was enqueued in ({@link NewJob.trace}). */
  readonly trace?: string | null;
}

/** What `enqueue` returns: the job's id and a way to read its state and result. */
export interface JobHandle<R = unknown> {
  readonly id: string;
  readonly task: string;
  /** The job as stored now; `null` once purged (or, on Redis, cancelled). */
  get(): Promise<JobRecord | null>;
  /** The current state; `null` once purged. */
  state(): Promise<JobState | null>;
  /**
   * Waits until the job completes and returns its result; throws the stored error when it
   * is dead-lettered or cancelled. Polls every `interval` ms (default 100) up to `timeout` (30 s).
   */
  result(options?: { timeout?: number; interval?: number }): Promise<R>;
}

/** How many jobs are in each state. */
export type JobCounts = Record<JobState, number>;

/** A filter for `jobs list`. */
export interface JobFilter {
  state?: JobState;
  task?: string;
  queue?: string;
  /** At most this many, newest first (default 50). */
  limit?: number;
}

/** What `jobs purge` removes: finished jobs (completed, failed, cancelled), optionally older than a date. */
export interface PurgeFilter {
  state?: 'completed' | 'failed' | 'cancelled';
  olderThan?: Date;
}
