import type { Logger } from '../core/index.js';
import type { Consumer, JobEvent } from './backends/backend.js';
import { instrumentationOf } from './instrumentation.js';
import type { Jobs } from './jobs.js';
import { notifyJobEvent } from './observers.js';
import { retryDelayFor, runJob } from './run-job.js';

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** Queues to take jobs from (default: every queue the tasks use). */
  queues?: readonly string[];
  /** Jobs run at once (default 1). */
  concurrency?: number;
  /** On `stop()`, how long running jobs may take to finish before they are released, ms (default 30 s). */
  shutdownTimeout?: number;
  /**
   * How often to log `jobs stats`: the jobs per state in the backend and this worker's
   * figures (default every minute; 0 never).
   */
  statsInterval?: number;
  log: Logger;
}

/** Figures a worker keeps: counts since start and enqueue-to-start latency. */
export interface WorkerStats {
  started: number;
  completed: number;
  retried: number;
  failed: number;
  /** Mean milliseconds from runnable to started. */
  meanWaitMs: number;
  /** Longest milliseconds from runnable to started. */
  maxWaitMs: number;
}

/** A running worker. */
export interface Worker {
  readonly queues: readonly string[];
  stats(): WorkerStats;
  /** Stops taking jobs, lets running ones finish (up to `shutdownTimeout`), releases the rest. */
  stop(): Promise<void>;
}

/**
 * Starts a worker: takes jobs of `jobs`' tasks from the backend and runs them, `concurrency`
 * at a time, logging each outcome with its latency.
 *
 * @example
 * const worker = createWorker(jobs, { concurrency: 4, log });
 * process.once('SIGTERM', () => worker.stop());
 */
export function createWorker(jobs: Jobs, options: WorkerOptions): Worker {
  const queues = options.queues?.length
    ? [...options.queues]
    : [...new Set([...jobs.tasks.values()].map((t) => t.queue))];
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new TypeError('concurrency must be an integer ≥ 1');
  const log = options.log;
  const stats: WorkerStats = { started: 0, completed: 0, retried: 0, failed: 0, meanWaitMs: 0, maxWaitMs: 0 };
  let totalWait = 0;
  const onEvent = (event: JobEvent) => {
    notifyJobEvent(event);
    switch (event.type) {
      case 'started':
        stats.started += 1;
        totalWait += event.waitedMs;
        stats.meanWaitMs = totalWait / stats.started;
        stats.maxWaitMs = Math.max(stats.maxWaitMs, event.waitedMs);
        // Checked first: the entry costs more than a no-op job when nobody reads it.
        if (log.isLevelEnabled('debug'))
          log.debug(
            { job: event.job.id, task: event.job.task, attempt: event.job.attempt, waitedMs: event.waitedMs },
            'job started',
          );
        break;
      case 'completed':
        stats.completed += 1;
        if (log.isLevelEnabled('info'))
          log.info(
            { job: event.job.id, task: event.job.task, durationMs: event.durationMs },
            'job completed',
          );
        break;
      case 'retrying':
        stats.retried += 1;
        log.warn(
          {
            job: event.job.id,
            task: event.job.task,
            attempt: event.job.attempt,
            delayMs: event.delayMs,
            err: event.error,
          },
          'job failed, will retry',
        );
        break;
      case 'failed':
        stats.failed += 1;
        log.error(
          { job: event.job.id, task: event.job.task, attempt: event.job.attempt, err: event.error },
          'job failed for good (dead-lettered)',
        );
        break;
      case 'error':
        log.error({ err: event.error }, 'worker error');
        break;
    }
  };
  // What every run receives (jobs' db and app are fixed at creation): made once, not per job.
  const deps = { db: jobs.db, app: jobs.app, log };
  const consumer: Consumer = jobs.backend.consume({
    queues,
    // Only jobs this worker can run: in a rolling deploy, a job of a task that only the new
    // version has waits for a new worker instead of failing in an old one.
    tasks: [...jobs.tasks.keys()],
    concurrency,
    process: (job, signal) => {
      const instrumentation = instrumentationOf(jobs);
      return instrumentation === undefined
        ? runJob(jobs.tasks, job, signal, deps)
        : instrumentation.run(job, () => runJob(jobs.tasks, job, signal, deps));
    },
    retryDelay: (job) => retryDelayFor(jobs.tasks, job),
    onEvent,
  });
  log.info({ queues, concurrency, backend: jobs.backend.kind }, 'worker started');
  const every = options.statsInterval ?? 60_000;
  const ticker =
    every > 0
      ? setInterval(() => {
          jobs
            .counts()
            .then((counts) => log.info({ counts, worker: { ...stats } }, 'jobs stats'))
            .catch((error: unknown) => log.warn({ err: error }, 'jobs stats unavailable'));
        }, every)
      : undefined;
  ticker?.unref();
  let stopped: Promise<void> | undefined;
  return {
    queues,
    stats: () => ({ ...stats }),
    stop() {
      stopped ??= (async () => {
        clearInterval(ticker);
        await consumer.close({ timeoutMs: options.shutdownTimeout ?? 30_000 });
        log.info({ ...stats }, 'worker stopped');
      })();
      return stopped;
    },
  };
}
