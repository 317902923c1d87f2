import type { BasaltApp } from '../app/index.js';
import type { Logger } from '../core/index.js';
import type { Database } from '../db/index.js';
import { JobsError } from './errors.js';
import type { ClaimedJob } from './job.js';
import { type AnyTask, backoffDelay } from './task.js';

/**
 * Runs one claimed job through its task: the handler races the task's timeout and the
 * worker's abort signal (cancellation, lost lease, shutdown). A handler that ignores the
 * signal keeps running in the background, but its outcome is no longer recorded.
 */
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
  // The handler's signal is made on first read (an AbortController costs more than a no-op
  // job); an abort before that read is kept and applied then.
  let controller: AbortController | undefined;
  let abortedWith: { reason: unknown } | undefined;
  const abort = (reason: unknown) => {
    abortedWith ??= { reason };
    controller?.abort(reason);
  };
  let child: Logger | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new JobsError(
        'BASALT_JOBS_TIMEOUT',
        `Task '${task.name}' ran past its timeout of ${task.timeout} ms (attempt ${job.attempt})`,
      );
      abort(error);
      reject(error);
    }, task.timeout);
    onAbort = () => {
      const reason: unknown = outer.reason;
      abort(reason);
      reject(reason instanceof Error ? reason : new Error(String(reason)));
    };
    if (outer.aborted) onAbort();
    else outer.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      (async () =>
        task.handler({
          input: job.input,
          job: {
            id: job.id,
            task: job.task,
            queue: job.queue,
            attempt: job.attempt,
            maxAttempts: job.maxAttempts,
            enqueuedAt: job.enqueuedAt,
          },
          db: deps.db as Database,
          get app(): BasaltApp {
            if (!deps.app)
              throw new JobsError(
                'BASALT_JOBS_NOT_CONFIGURED',
                `Task '${job.task}' reads ctx.app, but this jobs client was created without an app`,
              );
            return deps.app;
          },
          // A child logger costs more than a no-op job: made on first use only.
          get log() {
            child ??= deps.log.child({ job: job.id, task: job.task });
            return child;
          },
          get signal(): AbortSignal {
            if (!controller) {
              controller = new AbortController();
              if (abortedWith) controller.abort(abortedWith.reason);
            }
            return controller.signal;
          },
        }))(),
      stop,
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) outer.removeEventListener('abort', onAbort);
  }
}

/** The delay before the next attempt of a failed job, per its task's backoff. */
export function retryDelayFor(tasks: ReadonlyMap<string, AnyTask>, job: ClaimedJob): number | null {
  const task = tasks.get(job.task);
  if (!task) return null;
  return backoffDelay(task.backoff, job.attempt);
}
