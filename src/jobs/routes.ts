import { TEXT_MAX_LENGTH } from '../db/index.js';
import type { RequestContext } from '../http/index.js';
import { type AnyEndpoint, get, type PermissionRequirement, post, t } from '../http/index.js';
import { isActiveStaff } from '../ops/index.js';
import { JobsError } from './errors.js';
import { JOB_STATES, type JobRecord } from './job.js';
import type { Jobs } from './jobs.js';

/** Staff only: the one staff rule of `basalt/ops` (an active user with `isStaff`). */
export const isStaffUser: PermissionRequirement = (ctx: RequestContext) => isActiveStaff(ctx.user);

const State = t.Union(
  JOB_STATES.map((s) => t.Literal(s)),
  { description: 'queued, delayed, active, completed, failed (dead-lettered) or cancelled' },
);
// `toISOString()`: 24 characters, 27 for years past 9999.
const DateTime = t.String({ format: 'date-time', maxLength: 30 });
const Nullable = <S extends ReturnType<typeof t.String>>(schema: S) => t.Union([schema, t.Null()]);
const Count = t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** The longest error message and stack a job shows (the job table's text bound); longer ones are cut. */
const ERROR_MAX_LENGTH = TEXT_MAX_LENGTH;
/** Jobs one `GET /jobs` lists at most (its `limit`'s maximum). */
const LIST_MAX = 500;

/** A job as the REST endpoints return it. */
export const JobSchema = t.Object(
  {
    // The bounds of the job table (task and queue names, idempotency keys) and of `:id`.
    id: t.String({ maxLength: 400 }),
    task: t.String({ maxLength: 200 }),
    queue: t.String({ maxLength: 200 }),
    state: State,
    input: t.Unknown(),
    result: t.Unknown(),
    priority: t.Integer({ minimum: -100, maximum: 100 }),
    attempts: t.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
    maxAttempts: t.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
    idempotencyKey: Nullable(t.String({ maxLength: 400 })),
    error: Nullable(t.String({ maxLength: ERROR_MAX_LENGTH })),
    stack: Nullable(t.String({ maxLength: ERROR_MAX_LENGTH })),
    enqueuedAt: DateTime,
    runAt: DateTime,
    startedAt: Nullable(DateTime),
    finishedAt: Nullable(DateTime),
  },
  { $id: 'Job' },
);

const clip = (text: string | null | undefined) =>
  text == null
    ? null
    : [...text].length > ERROR_MAX_LENGTH
      ? [...text].slice(0, ERROR_MAX_LENGTH).join('')
      : text;

/** A record as JSON: dates as ISO strings, errors within their declared bound. */
function wire(job: JobRecord) {
  return {
    ...job,
    error: clip(job.error),
    stack: clip(job.stack),
    enqueuedAt: job.enqueuedAt.toISOString(),
    runAt: job.runAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

const Id = t.Object({ id: t.String({ pattern: '^[^/]{1,400}$', maxLength: 400 }) });

/** The staff-only endpoints over the jobs of an app (`/jobs`, `/jobs/stats`, retry, cancel, purge). */
export function jobRoutes(prefix: string, jobs: () => Jobs): AnyEndpoint[] {
  const guard = { tags: ['jobs'], permissions: [isStaffUser] };
  const found = async (id: string) => {
    const job = await jobs().get(id);
    if (!job) throw new JobsError('BASALT_JOBS_JOB_NOT_FOUND', `Job ${id} does not exist`);
    return job;
  };
  return [
    get(
      prefix,
      {
        ...guard,
        summary: 'List jobs, newest first',
        description:
          'Staff only. Filter by state, task or queue; at most `limit` jobs (50 by default, 500 at most).',
        query: t.Object({
          state: t.Optional(State),
          task: t.Optional(t.String({ maxLength: 200 })),
          queue: t.Optional(t.String({ maxLength: 200 })),
          limit: t.Optional(t.Integer({ minimum: 1, maximum: LIST_MAX, default: 50 })),
        }),
        response: { 200: t.Object({ jobs: t.Array(JobSchema, { maxItems: LIST_MAX }) }) },
      },
      async ({ query }) => ({ jobs: (await jobs().list(query)).map(wire) }),
    ),
    get(
      `${prefix}/stats`,
      {
        ...guard,
        summary: 'How many jobs are in each state',
        description: 'Staff only. One count per state, zero included.',
        response: { 200: t.Object(Object.fromEntries(JOB_STATES.map((s) => [s, Count]))) },
      },
      () => jobs().counts(),
    ),
    get(
      `${prefix}/:id`,
      {
        ...guard,
        summary: 'One job, with its result or its last error',
        description: 'Staff only. A job that does not exist (or was purged) is a 404.',
        params: Id,
        response: { 200: JobSchema },
      },
      async ({ params }) => wire(await found(params.id)),
    ),
    post(
      `${prefix}/:id/retry`,
      {
        ...guard,
        summary: 'Queue a failed (dead-lettered) or cancelled job again',
        description:
          'Staff only. The job runs again with its attempts reset; a job in any other state is a 409.',
        params: Id,
        // A job in any other state cannot be retried.
        problems: [409],
        response: { 200: JobSchema },
      },
      async ({ params }) => wire(await jobs().retry(params.id)),
    ),
    post(
      `${prefix}/:id/cancel`,
      {
        ...guard,
        summary: 'Cancel a waiting or running job',
        description: 'Staff only. A job still waiting will not run; a job that has finished is a 409.',
        params: Id,
        // A finished job cannot be cancelled.
        problems: [409],
        response: { 200: t.Union([JobSchema, t.Null()]) },
      },
      async ({ params }) => {
        await found(params.id);
        const job = await jobs().cancel(params.id);
        return job ? wire(job) : null;
      },
    ),
    post(
      `${prefix}/purge`,
      {
        ...guard,
        summary: 'Remove finished jobs (all, or of one state), optionally only those finished before a date',
        description:
          'Staff only. Answers how many jobs were removed; queued, delayed and running jobs are never touched.',
        body: t.Object({
          state: t.Optional(t.Union([t.Literal('completed'), t.Literal('failed'), t.Literal('cancelled')])),
          olderThan: t.Optional(DateTime),
        }),
        response: { 200: t.Object({ purged: Count }) },
      },
      async ({ body }) => ({
        purged: await jobs().purge({
          ...(body.state ? { state: body.state } : {}),
          ...(body.olderThan ? { olderThan: new Date(body.olderThan) } : {}),
        }),
      }),
    ),
  ];
}
