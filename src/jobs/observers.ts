import type { JobEvent } from './backends/backend.js';

/** Sees every job event of the workers running in this process (metrics). Must not throw. */
export type JobEventObserver = (event: JobEvent) => void;

const observers = new Set<JobEventObserver>();

/**
 * Adds an observer of this process's job events (started, completed, retrying, failed);
 * returns the function that removes it. Internal: `metrics()` of basalt/server uses it.
 */
export function observeJobEvents(observer: JobEventObserver): () => void {
  observers.add(observer);
  return () => {
    observers.delete(observer);
  };
}

/** Called by the workers for each event; one size check when nobody observes. */
export function notifyJobEvent(event: JobEvent): void {
  if (observers.size === 0) return;
  for (const observer of observers) {
    try {
      observer(event);
    } catch {
      // An observer's bug must not fail the job it watches.
    }
  }
}
