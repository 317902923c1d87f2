import type { Static, TSchema } from '@sinclair/typebox';
import { Cron } from 'croner';
import { JobsError } from './errors.js';
import type { Task } from './task.js';

/** Options of {@link defineSchedule}. */
export interface ScheduleOptions {
  /** A stable name, the key of the schedule's ticks (default `<task>@<cron>`). */
  name?: string;
  /** IANA time zone the cron expression is read in (default UTC). */
  timezone?: string;
  /**
   * How many ticks missed while no scheduler ran are enqueued when one starts again: the
   * most recent ones, once each (default 0: missed ticks are skipped; 1 is Celery beat's
   * behaviour). Never a burst of every missed tick unless asked.
   */
  catchUp?: number;
}

/** A periodic job: a cron expression, a task and its input. */
export interface Schedule<S extends TSchema = TSchema> {
  readonly name: string;
  readonly cron: string;
  readonly task: Task<S, unknown>;
  readonly input: Static<S>;
  readonly timezone: string;
  readonly catchUp: number;
  /** The tick after `from` (exclusive), or null when the expression has no more. */
  next(from: Date): Date | null;
  /** Up to `n` ticks before `reference` (exclusive), latest first. */
  previous(n: number, reference: Date): Date[];
}

/** A schedule of any task. */
// biome-ignore lint/suspicious/noExplicitAny: a schedule list holds schedules of any input type
export type AnySchedule = Schedule<any>;

/**
 * Declares a periodic job (Celery beat's entry): `cron` is read by croner (5 fields, or 6
 * with seconds first), in `timezone`. Each tick enqueues exactly one job, however many
 * schedulers run.
 *
 * @example
 * export const nightlyReport = defineSchedule('0 3 * * *', salesReport, {}, { timezone: 'Europe/Paris' });
 */
export function defineSchedule<S extends TSchema>(
  cron: string,
  task: Task<S, unknown>,
  input: Static<S>,
  options: ScheduleOptions = {},
): Schedule<S> {
  const timezone = options.timezone ?? 'UTC';
  let pattern: Cron;
  try {
    pattern = new Cron(cron, { timezone, paused: true });
    pattern.nextRun();
  } catch (error) {
    throw new JobsError(
      'BASALT_JOBS_INVALID_SCHEDULE',
      `Schedule of '${task.name}': '${cron}' in ${timezone} is not a valid cron expression (${(error as Error).message})`,
      { cause: error },
    );
  }
  const catchUp = options.catchUp ?? 0;
  if (!Number.isInteger(catchUp) || catchUp < 0)
    throw new JobsError(
      'BASALT_JOBS_INVALID_SCHEDULE',
      `Schedule of '${task.name}': catchUp must be an integer ≥ 0`,
    );
  let valid: Static<S>;
  try {
    valid = task.validate(input);
  } catch (error) {
    throw new JobsError(
      'BASALT_JOBS_INVALID_SCHEDULE',
      `Schedule of '${task.name}': ${(error as Error).message}`,
      {
        cause: error,
        errors: (error as JobsError).errors,
      },
    );
  }
  return {
    name: options.name ?? `${task.name}@${cron}`,
    cron,
    task,
    input: valid,
    timezone,
    catchUp,
    next: (from) => pattern.nextRun(from),
    previous: (n, reference) => pattern.previousRuns(n, reference),
  };
}
