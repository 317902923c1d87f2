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
const DateTime = t.String({ format: 'date-time' });
const Nullable = <S extends ReturnType<typeof t.String>>(schema: S) => t.Union([schema, t.Null()]);

/** A job as the REST endpoints return it. */
export const JobSchema = t.Object(
  {
    id: t.String(),
    task: t.String(),
    queue: t.String(),
    state: State,
    input: t.Unknown(),
    result: t.Unknown(),
    priority: t.Integer(),
    attempts: t.Integer(),
    maxAttempts: t.Integer(),
    idempotencyKey: Nullable(t.String()),
    error: Nullable(t.String()),
    stack: Nullable(t.String()),
    enqueuedAt: DateTime,
    runAt: DateTime,
    startedAt: Nullable(DateTime),
    finishedAt: Nullable(DateTime),
  },
  { $id: 'Job' },
);

/** A record as JSON: dates as ISO strings. */
function wire(job: JobRecord) {
  return {
    ...job,
    enqueuedAt: job.enqueuedAt.toISOString(),
    runAt: job.runAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

const Id = t.Object({ id: t.String({ pattern: '^[^/]{1,400}$' }) });

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
        query: t.Object({
          state: t.Optional(State),
          task: t.Optional(t.String({ maxLength: 200 })),
          queue: t.Optional(t.String({ maxLength: 200 })),
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 500, default: 50 })),
        }),
        response: { 200: t.Object({ jobs: t.Array(JobSchema) }) },
      },
      async ({ query }) => ({ jobs: (await jobs().list(query)).map(wire) }),
    ),
    get(
      `${prefix}/stats`,
      {
        ...guard,
        summary: 'How many jobs are in each state',
        response: { 200: t.Object(Object.fromEntries(JOB_STATES.map((s) => [s, t.Integer()]))) },
      },
      () => jobs().counts(),
    ),
    get(
      `${prefix}/:id`,
      {
        ...guard,
        summary: 'One job, with its result or its last error',
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
        params: Id,
        response: { 200: JobSchema },
      },
      async ({ params }) => wire(await jobs().retry(params.id)),
    ),
    post(
      `${prefix}/:id/cancel`,
      {
        ...guard,
        summary: 'Cancel a waiting or running job',
        params: Id,
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
        body: t.Object({
          state: t.Optional(t.Union([t.Literal('completed'), t.Literal('failed'), t.Literal('cancelled')])),
          olderThan: t.Optional(DateTime),
        }),
        response: { 200: t.Object({ purged: t.Integer() }) },
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
