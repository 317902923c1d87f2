import type { Executor } from '../../db/index.js';
import type { ClaimedJob, JobCounts, JobFilter, JobRecord, NewJob, PurgeFilter } from '../job.js';

/** What a worker asks a backend for: which queues, how many at once, and what to run. */
export interface ConsumeOptions {
  queues: readonly string[];
  /**
   * The names of the tasks this worker can run: it takes only their jobs, and leaves the
   * others of its queues to workers that have them (absent: every job of its queues).
   */
  tasks?: readonly string[];
  concurrency: number;
  /** Runs one job; resolves with its result or throws its failure. */
  process(job: ClaimedJob, signal: AbortSignal): Promise<unknown>;
  /**
   * Milliseconds before the next attempt of a failed job, or `null` to dead-letter it now
   * (called only while attempts remain).
   */
  retryDelay(job: ClaimedJob, error: unknown): number | null;
  /** Observes what happens to jobs (for logs and figures). */
  onEvent?(event: JobEvent): void;
}

/** Something that happened to a job in a worker. */
export type JobEvent =
  | { type: 'started'; job: ClaimedJob; waitedMs: number }
  | { type: 'completed'; job: ClaimedJob; durationMs: number }
  | { type: 'retrying'; job: ClaimedJob; error: unknown; delayMs: number }
  | { type: 'failed'; job: ClaimedJob; error: unknown }
  | { type: 'error'; error: unknown };

/** A running consumer of a backend. */
export interface Consumer {
  /**
   * Stops taking jobs; waits up to `timeoutMs` for running ones to finish, then releases
   * those still running so another worker can take them.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * The contract every jobs backend implements (the database queue and Redis through BullMQ);
 * `test/jobs/backend.contract.ts` runs the same suite against each.
 */
export interface JobsBackend {
  readonly kind: 'database' | 'redis';
  /** Tells the backend which queues the app's tasks use (Redis lists and counts jobs per queue). */
  useQueues?(queues: readonly string[]): void;
  /** Adds a job, or returns the job that holds its idempotency key. */
  enqueue(job: NewJob, options?: { db?: Executor }): Promise<JobRecord>;
  /**
   * Adds several jobs in bulk, atomically on the database; returns their records in order (a
   * job whose idempotency key is taken is the job that holds it). Without it, jobs are added
   * one by one.
   */
  enqueueMany?(jobs: readonly NewJob[], options?: { db?: Executor }): Promise<JobRecord[]>;
  get(id: string): Promise<JobRecord | null>;
  list(filter?: JobFilter): Promise<JobRecord[]>;
  counts(): Promise<JobCounts>;
  /** The same counts, queue by queue (queues the backend knows, even when empty). */
  countsByQueue(): Promise<Record<string, JobCounts>>;
  /** Queues a failed or cancelled job again, with a fresh set of attempts. */
  retry(id: string): Promise<JobRecord>;
  /** Cancels a waiting job (or asks a running one to stop). */
  cancel(id: string): Promise<JobRecord | null>;
  /** Removes finished jobs; returns how many. */
  purge(filter?: PurgeFilter): Promise<number>;
  /** Starts taking jobs from `queues`. */
  consume(options: ConsumeOptions): Consumer;
  /**
   * Records that schedule `name` reached tick `tick` and returns the tick recorded before
   * (the scheduler's memory of what it already enqueued, for catch-up after downtime).
   */
  recordTick(name: string, tick: Date): Promise<Date | null>;
  close(): Promise<void>;
}
