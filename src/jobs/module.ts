import type { BasaltApp, ModuleDefinition, ModuleSetupApi } from '../app/index.js';
import { defineConfig, type Logger } from '../core/index.js';
import type { Database, Executor } from '../db/index.js';
import { type RequestContext, type Static, type TSchema, t } from '../http/index.js';
import type { JobsBackend } from './backends/backend.js';
import { databaseBackend } from './backends/database/database-backend.js';
import { JobModel, JobScheduleModel } from './backends/database/models.js';
import { loadRedisBackend } from './backends/load-redis.js';
import { jobsCommands } from './commands.js';
import { JobsError } from './errors.js';
import type { EnqueueOptions, JobHandle } from './job.js';
import { createJobs, type Jobs } from './jobs.js';
import { createMailTask, mailQueue } from './mail-task.js';
import { jobRoutes } from './routes.js';
import type { AnySchedule } from './schedule.js';
import type { AnyTask, BackoffOptions, Task, TaskEnqueuer } from './task.js';

/** What `ctx.jobs` offers a handler: enqueue through the request's database (its transaction, if any). */
export interface JobsContext extends TaskEnqueuer {
  /** The app's jobs client. */
  readonly client: Jobs;
}

declare module '../http/context.js' {
  interface RequestContextExtensions {
    /** Enqueue jobs from a handler (present when the app uses `jobs()`). */
    jobs: JobsContext;
  }
}

/** The settings `jobs()` reads from the environment. */
export const JobsConfig = defineConfig({
  JOBS_BACKEND: t.Optional(
    t.Union([t.Literal('database'), t.Literal('redis')], {
      description:
        'Where jobs are queued: database (the default) or redis (the default when REDIS_URL is set)',
    }),
  ),
  JOBS_LEASE: t.Integer({
    minimum: 100,
    default: 30_000,
    description:
      'Database backend: how long a worker holds a job without a heartbeat before another may take it, ms',
  }),
  JOBS_POLL_INTERVAL: t.Integer({
    minimum: 10,
    default: 1000,
    description:
      'Database backend: how often idle workers look for jobs (PostgreSQL also wakes them by NOTIFY), ms',
  }),
  JOBS_BATCH_SIZE: t.Integer({
    minimum: 1,
    maximum: 1000,
    default: 500,
    description:
      'Database backend: the most jobs a worker claims in one statement into its local buffer (1 to 1000)',
  }),
  JOBS_REDIS_PREFIX: t.String({ default: 'basalt', description: 'Redis backend: the prefix of BullMQ keys' }),
});

/** Options of {@link jobs}. */
export interface JobsOptions {
  /** Every task of the app: workers run these, and their `enqueue` goes through this app. */
  tasks: readonly AnyTask[];
  /** Periodic jobs, enqueued by `basalt scheduler` or `basalt worker --schedule`. */
  schedules?: readonly AnySchedule[];
  /** Overrides JOBS_BACKEND; or a function building a backend of your own. */
  backend?: 'database' | 'redis' | ((app: BasaltApp) => JobsBackend | Promise<JobsBackend>);
  /** Prefix of the staff-only REST endpoints (default `/jobs`); `false` mounts none. */
  prefix?: string | false;
  /**
   * `sendMail` enqueues a job of the built-in mail task (`basalt.mail.send`) instead of
   * sending in the request's process: on by default, retried 12 times with exponential
   * backoff from a minute (capped at an hour); `false` turns it off.
   */
  mail?: boolean | { retries?: number; backoff?: BackoffOptions };
}

/** `ctx.jobs`: enqueues with the request's executor unless another `db` is given. */
class RequestJobs implements JobsContext {
  readonly #ctx: RequestContext;
  readonly #ready: () => Jobs;
  constructor(ctx: RequestContext, ready: () => Jobs) {
    this.#ctx = ctx;
    this.#ready = ready;
  }
  get client(): Jobs {
    return this.#ready();
  }
  enqueue<S extends TSchema, R>(
    task: Task<S, R>,
    input: Static<S>,
    options: EnqueueOptions = {},
  ): Promise<JobHandle<R>> {
    return this.#ready().enqueue(task, input, { db: this.#ctx.db as Executor, ...options });
  }
}

interface JobsState {
  options: JobsOptions;
  /** The app's own mail task (none with `mail: false`). */
  mailTask: AnyTask | undefined;
  jobs: Promise<Jobs> | undefined;
  ready: Jobs | undefined;
  log: Logger;
}

const states = new WeakMap<object, JobsState>();

type Settings = {
  JOBS_BACKEND?: 'database' | 'redis';
  JOBS_LEASE: number;
  JOBS_POLL_INTERVAL: number;
  JOBS_BATCH_SIZE: number;
  JOBS_REDIS_PREFIX: string;
  REDIS_URL?: string;
  DATABASE_URL: string;
  SERVICE_TIMEOUT: number;
};

async function buildBackend(app: BasaltApp, options: JobsOptions): Promise<JobsBackend> {
  if (typeof options.backend === 'function') return options.backend(app);
  const config = app.config as unknown as Settings;
  const kind = options.backend ?? config.JOBS_BACKEND ?? (config.REDIS_URL ? 'redis' : 'database');
  if (kind === 'redis') {
    if (!config.REDIS_URL)
      throw new JobsError('BASALT_JOBS_NOT_CONFIGURED', 'JOBS_BACKEND is redis but REDIS_URL is not set');
    // BullMQ and ioredis load only when Redis is chosen.
    return loadRedisBackend({
      url: config.REDIS_URL,
      prefix: config.JOBS_REDIS_PREFIX,
      leaseMs: config.JOBS_LEASE,
      timeoutMs: config.SERVICE_TIMEOUT * 1000,
    });
  }
  if (!app.db)
    throw new JobsError('BASALT_JOBS_NOT_CONFIGURED', 'The database backend needs the app database');
  return databaseBackend({
    db: app.db,
    url: config.DATABASE_URL,
    leaseMs: config.JOBS_LEASE,
    pollMs: config.JOBS_POLL_INTERVAL,
    batchSize: config.JOBS_BATCH_SIZE,
  });
}

/**
 * The jobs client of a created app (created on first use; `task.enqueue` goes through it
 * from then on).
 */
export function getJobs(app: Pick<BasaltApp, 'config' | 'db'>): Promise<Jobs> {
  const state = states.get(app.config);
  if (!state)
    throw new JobsError('BASALT_JOBS_NOT_CONFIGURED', 'This app does not use jobs() from basalt/jobs');
  state.jobs ??= (async () => {
    const backend = await buildBackend(app as BasaltApp, state.options);
    const jobs = createJobs({
      backend,
      tasks: allTasks(state.options, state.mailTask),
      db: app.db as Database | undefined,
      app: app as BasaltApp,
    });
    state.ready = jobs;
    return jobs;
  })();
  state.jobs.catch(() => {
    state.jobs = undefined;
  });
  return state.jobs;
}

/** The schedules given to `jobs()` of an app. */
export function getSchedules(app: Pick<BasaltApp, 'config'>): readonly AnySchedule[] {
  return states.get(app.config)?.options.schedules ?? [];
}

function allTasks(options: JobsOptions, mailTask?: AnyTask): AnyTask[] {
  return [
    ...new Set([
      ...options.tasks,
      ...(options.schedules ?? []).map((s) => s.task as AnyTask),
      ...(mailTask ? [mailTask] : []),
    ]),
  ];
}

/**
 * The jobs capability: tasks and schedules, the job tables (in the app's migrations), the
 * `worker`, `scheduler` and `jobs` commands, staff-only REST endpoints and `ctx.jobs`.
 * The backend is the app's database unless REDIS_URL (or JOBS_BACKEND=redis) says Redis.
 *
 * @example
 * export default defineApp({ name: 'bookshop', modules: [auth(), jobs({ tasks: [sendReceipt], schedules: [nightly] })] });
 */
export function jobs(options: JobsOptions): ModuleDefinition {
  allTasks(options);
  return {
    name: 'jobs',
    config: JobsConfig,
    models: [JobModel, JobScheduleModel],
    commands: jobsCommands,
    setup(api: ModuleSetupApi) {
      // One mail task per app: a task object is bound to the jobs client of its app.
      const mailTask =
        options.mail === false ? undefined : createMailTask(options.mail === true ? {} : options.mail);
      const state: JobsState = { options, mailTask, jobs: undefined, ready: undefined, log: api.log };
      states.set(api.config, state);
      const ready = (): Jobs => {
        if (!state.ready)
          throw new JobsError('BASALT_JOBS_NOT_CONFIGURED', 'Jobs are not ready: the app has not started');
        return state.ready;
      };
      if (mailTask) api.mail.useQueue(mailQueue(mailTask, ready));
      api.onStart(async (app) => {
        await getJobs(app);
      });
      api.onStop(async () => {
        const jobsClient = await state.jobs?.catch(() => undefined);
        await jobsClient?.close();
      });
      api.provideContext((ctx: RequestContext) => {
        ctx.jobs = new RequestJobs(ctx, ready);
      });
      if (options.prefix !== false) api.addRoutes(...jobRoutes(options.prefix ?? '/jobs', ready));
    },
  };
}
