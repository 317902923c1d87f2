import { defineModel, f } from '../../../db/index.js';

/**
 * A job of the database backend (`basalt_job`). Registered by `jobs()`, so the app's
 * `makemigrations` creates the table with the app's own ones, as `auth()` does.
 */
export const JobModel = defineModel(
  'basaltJob',
  {
    task: f.string({ max: 200 }),
    queue: f.string({ max: 200 }),
    /** queued, delayed, active, completed, failed (dead-lettered) or cancelled. */
    state: f.string({ max: 16 }),
    input: f.json({ optional: true }),
    result: f.json({ optional: true }),
    /** -100..100, higher first. */
    priority: f.integer({ default: 0 }),
    /** 100 - priority: the order workers take queued jobs in (with the id), ascending. */
    rank: f.integer({ default: 100 }),
    attempts: f.integer({ default: 0 }),
    maxAttempts: f.integer({ default: 1 }),
    /** When a queued or delayed job may run; for an active one, when it became runnable. */
    runAt: f.datetime(),
    /** The lease of an active job: which worker holds it, and until when. */
    lockedBy: f.string({ max: 120, optional: true }),
    lockedUntil: f.datetime({ optional: true }),
    idempotencyKey: f.string({ max: 400, optional: true, unique: true }),
    error: f.text({ optional: true }),
    stack: f.text({ optional: true }),
    enqueuedAt: f.datetime(),
    startedAt: f.datetime({ optional: true }),
    finishedAt: f.datetime({ optional: true }),
    /** The trace context the job was enqueued in (propagation headers as JSON; tracing on). */
    trace: f.text({ optional: true }),
  },
  {
    table: 'basalt_job',
    indexes: [
      // With the id, the claim's `order by rank, id` is an index scan; without it PostgreSQL
      // sorts every queued job of the queue on each claim (SQLite appends the rowid itself).
      // Partial: only queued jobs are in it, so claims and completions add no entries to it.
      { fields: ['queue', 'rank', 'id'], name: 'basalt_job_claim', where: "state = 'queued'" },
      { fields: ['state', 'runAt'], name: 'basalt_job_state_run_at' },
    ],
  },
);

/** The last tick each schedule enqueued (`basalt_job_schedule`), for catch-up after downtime. */
export const JobScheduleModel = defineModel(
  'basaltJobSchedule',
  {
    name: f.string({ max: 200, unique: true }),
    lastTick: f.datetime(),
  },
  { table: 'basalt_job_schedule' },
);
