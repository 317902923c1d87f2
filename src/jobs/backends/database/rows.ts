import type { ClaimedJob, JobRecord, JobState } from '../../job.js';

/** A `basalt_job` row as the driver returns it (ISO text and JSON text on SQLite). */
export interface JobRow {
  id: number | string;
  task: string;
  queue: string;
  state: string;
  input: unknown;
  result: unknown;
  priority: number;
  attempts: number;
  max_attempts: number;
  /** ISO text (SQLite), a Date, or epoch milliseconds (the PostgreSQL claim). */
  run_at: string | Date | number;
  idempotency_key: string | null;
  error: string | null;
  stack: string | null;
  enqueued_at: string | Date | number;
  started_at: string | Date | number | null;
  finished_at: string | Date | number | null;
  /** Claimed rows only. */
  trace?: string | null;
}

/** Every column a record needs, as one select list. */
export const RECORD_COLUMNS =
  'id, task, queue, state, input, result, priority, attempts, max_attempts, run_at, idempotency_key, error, stack, enqueued_at, started_at, finished_at';

const TIMES = new Set(['run_at', 'enqueued_at', 'started_at', 'finished_at']);

/**
 * PostgreSQL: {@link RECORD_COLUMNS} of the rows of `from`, times as epoch milliseconds (a
 * float: `new Date(ms)` costs far less than the driver's parsing of timestamp text, which
 * was a tenth of a bulk enqueue's CPU).
 */
export function pgRecordColumns(from: string): string {
  return RECORD_COLUMNS.split(', ')
    .map((c) => (TIMES.has(c) ? `(extract(epoch from ${from}.${c}) * 1000)::float8 as ${c}` : `${from}.${c}`))
    .join(', ');
}

/** The columns a worker needs to run a claimed job. */
export const CLAIM_COLUMNS =
  'id, task, queue, input, priority, attempts, max_attempts, enqueued_at, run_at, trace';

function date(value: string | Date | number): Date {
  return value instanceof Date ? value : new Date(value);
}

function optionalDate(value: string | Date | number | null): Date | null {
  return value === null ? null : date(value);
}

/** Reads a JSON column: text on SQLite, already parsed on PostgreSQL. */
export function readJson(value: unknown, sqlite: boolean): unknown {
  if (value === null || value === undefined) return null;
  return sqlite && typeof value === 'string' ? JSON.parse(value) : value;
}

/** A JSON value as a bound parameter (text; PostgreSQL casts it to jsonb from the column). */
export function writeJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** A stored row as a {@link JobRecord}. */
export function recordFromRow(row: JobRow, sqlite: boolean): JobRecord {
  return {
    id: String(row.id),
    task: row.task,
    queue: row.queue,
    state: row.state as JobState,
    input: readJson(row.input, sqlite),
    result: readJson(row.result, sqlite),
    priority: Number(row.priority),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    idempotencyKey: row.idempotency_key,
    error: row.error,
    stack: row.stack,
    enqueuedAt: date(row.enqueued_at),
    runAt: date(row.run_at),
    startedAt: optionalDate(row.started_at),
    finishedAt: optionalDate(row.finished_at),
  };
}

/** A claimed row as the job a worker runs. */
export function claimedFromRow(row: JobRow, sqlite: boolean): ClaimedJob {
  return {
    id: String(row.id),
    task: row.task,
    queue: row.queue,
    input: readJson(row.input, sqlite),
    attempt: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    enqueuedAt: date(row.enqueued_at),
    runAt: date(row.run_at),
    trace: row.trace ?? null,
  };
}

/** The message and stack of whatever a handler threw. */
export function describeError(error: unknown): { message: string; stack: string | null } {
  if (error instanceof Error) return { message: error.message || error.name, stack: error.stack ?? null };
  return { message: String(error), stack: null };
}
