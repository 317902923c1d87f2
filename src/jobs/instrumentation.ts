import type { ClaimedJob, NewJob } from './job.js';
import type { Jobs } from './jobs.js';

/**
 * What runs around a jobs client's enqueues and its workers' runs (tracing, set by
 * `tracing()` of basalt/server). Internal: apps never see it.
 */
export interface JobsInstrumentation {
  /** Around adding `jobs`; may set each one's `trace` before calling `add`. */
  enqueue<T>(jobs: NewJob[], add: () => Promise<T>): Promise<T>;
  /** Around one attempt of `job` in a worker. */
  run(job: ClaimedJob, run: () => Promise<unknown>): Promise<unknown>;
}

const setters = new WeakMap<Jobs, (instrumentation: JobsInstrumentation | undefined) => void>();
const current = new WeakMap<Jobs, JobsInstrumentation>();

/** Called by `createJobs`: how to switch the client's instrumentation (its hot path reads a local). */
export function registerInstrumentable(
  jobs: Jobs,
  set: (instrumentation: JobsInstrumentation | undefined) => void,
): void {
  setters.set(jobs, set);
}

/** Sets (undefined: removes) the instrumentation of a jobs client and of the workers it runs. */
export function instrumentJobs(jobs: Jobs, instrumentation: JobsInstrumentation | undefined): void {
  setters.get(jobs)?.(instrumentation);
  if (instrumentation) current.set(jobs, instrumentation);
  else current.delete(jobs);
}

/** The instrumentation of a jobs client, if any (read by its workers per job). */
export function instrumentationOf(jobs: Jobs): JobsInstrumentation | undefined {
  return current.get(jobs);
}
