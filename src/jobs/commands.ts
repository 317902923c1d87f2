import { createServer, type Server } from 'node:http';
import type { AppCommand, BasaltApp } from '../app/index.js';
import type { CommandContext } from '../core/index.js';
import { parseDuration } from '../http/index.js';
import { JobsError } from './errors.js';
import { JOB_STATES, type JobRecord, type JobState } from './job.js';
import type { Jobs } from './jobs.js';
import { getJobs, getSchedules } from './module.js';
import { runJob } from './run-job.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { createWorker, type Worker } from './worker.js';

type Ctx = CommandContext<BasaltApp>;

function usage(ctx: Ctx, message: string): number {
  ctx.stderr.write(`basalt: ${message}\n`);
  return 2;
}

function positiveInteger(value: unknown, name: string): number | string {
  if (value === undefined) return 1;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : `--${name} must be a whole number ≥ 1, not '${String(value)}'`;
}

/** Resolves on the first SIGTERM or SIGINT. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

const worker: AppCommand = {
  name: 'worker',
  summary: 'Run background jobs (and, with --schedule, the periodic ones)',
  description:
    'Takes jobs from the queues and runs them until SIGTERM or SIGINT; then stops taking jobs,\n' +
    'lets running ones finish within --shutdown-timeout and hands the rest back to the queue.',
  options: {
    queues: {
      type: 'string',
      description: 'Comma-separated queues to take jobs from (default: every queue of the tasks)',
    },
    concurrency: { type: 'string', description: 'How many jobs run at once (default 1)' },
    schedule: { type: 'boolean', description: 'Also run the scheduler in this process' },
    'shutdown-timeout': {
      type: 'string',
      description: "How long running jobs may finish on stop (default '30s')",
    },
    'http-port': {
      type: 'string',
      description:
        'Serve /health/live, /health/ready and /metrics (with metrics()) on this port, on HOST: probes and scrapes of the worker',
    },
  },
  async run(ctx) {
    const concurrency = positiveInteger(ctx.values.concurrency, 'concurrency');
    if (typeof concurrency === 'string') return usage(ctx, concurrency);
    const httpPort = ctx.values['http-port'] === undefined ? undefined : Number(ctx.values['http-port']);
    if (httpPort !== undefined && !(Number.isInteger(httpPort) && httpPort >= 0 && httpPort <= 65535))
      return usage(
        ctx,
        `--http-port must be a port number (0-65535), not '${String(ctx.values['http-port'])}'`,
      );
    let shutdownTimeout = 30_000;
    if (typeof ctx.values['shutdown-timeout'] === 'string') {
      try {
        shutdownTimeout = parseDuration(ctx.values['shutdown-timeout']);
      } catch (error) {
        return usage(ctx, `--shutdown-timeout: ${(error as Error).message}`);
      }
    }
    const queues =
      typeof ctx.values.queues === 'string'
        ? ctx.values.queues
            .split(',')
            .map((q) => q.trim())
            .filter(Boolean)
        : undefined;
    const app = await ctx.loadApp();
    await app.start();
    const jobs = await getJobs(app);
    const signal = untilSignal();
    const running: Worker = createWorker(jobs, {
      concurrency,
      shutdownTimeout,
      log: app.log,
      ...(queues ? { queues } : {}),
    });
    const scheduler: Scheduler | undefined = ctx.values.schedule
      ? createScheduler(jobs, getSchedules(app), { log: app.log })
      : undefined;
    const probes = httpPort === undefined ? undefined : await serveProbes(app, httpPort);
    const received = await signal;
    app.log.info({ signal: received }, 'worker stopping');
    probes?.close();
    await scheduler?.stop();
    await running.stop();
    return 0;
  },
};

/** The only paths `--http-port` serves: the app's own answers to them, through `inject`. */
const PROBE_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * A worker serves no API, but Kubernetes probes it and Prometheus scrapes it: a small HTTP
 * server answers the probe and metrics paths with the app's own routes (METRICS_TOKEN and all).
 */
async function serveProbes(app: BasaltApp, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !PROBE_PATHS.has(path)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    const authorization = request.headers.authorization;
    app.fastify
      .inject({ method: request.method, url: path, headers: authorization ? { authorization } : {} })
      .then((answer) => {
        const type = answer.headers['content-type'];
        response.writeHead(answer.statusCode, type ? { 'content-type': String(type) } : {});
        response.end(request.method === 'HEAD' ? undefined : answer.rawPayload);
      })
      .catch(() => response.writeHead(500).end());
  });
  const host = String(app.config.HOST ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  app.log.info(
    { port: typeof address === 'object' && address ? address.port : port, host },
    'worker probes listening',
  );
  return server;
}

const scheduler: AppCommand = {
  name: 'scheduler',
  summary: 'Enqueue the periodic jobs at their ticks (run one or several; each tick makes one job)',
  async run(ctx) {
    const app = await ctx.loadApp();
    await app.start();
    const jobs = await getJobs(app);
    const schedules = getSchedules(app);
    const signal = untilSignal();
    const running = createScheduler(jobs, schedules, { log: app.log });
    await signal;
    await running.stop();
    return 0;
  },
};

function line(job: JobRecord): string {
  const when = (job.finishedAt ?? job.startedAt ?? job.runAt).toISOString();
  const error = job.error ? `  ${job.error.split('\n')[0]}` : '';
  return `${job.id.padEnd(8)} ${job.state.padEnd(10)} ${job.task.padEnd(24)} ${`${job.attempts}/${job.maxAttempts}`.padEnd(6)} ${when}${error}`;
}

const SUBCOMMANDS = ['list', 'show', 'retry', 'cancel', 'purge', 'stats', 'run'] as const;

/** Parses `--input` (default `{}`): the JSON value, or a usage message naming the problem. */
function parseInput(raw: unknown): { input: unknown } | string {
  if (raw === undefined) return { input: {} };
  try {
    return { input: JSON.parse(String(raw)) as unknown };
  } catch (error) {
    return `--input is not valid JSON (${(error as Error).message}): ${String(raw)}`;
  }
}

/**
 * `jobs run <task>`: runs the task now in this process, as a worker would run its first and
 * only attempt (same context, timeout and validation), without queueing a job.
 */
async function runNow(ctx: Ctx, app: BasaltApp, jobs: Jobs, name: string, input: unknown): Promise<number> {
  const task = jobs.tasks.get(name);
  if (!task) {
    const known = [...jobs.tasks.keys()].sort();
    return usage(
      ctx,
      `no task named '${name}'; the app's tasks are: ${known.length > 0 ? known.join(', ') : '(none)'}`,
    );
  }
  let valid: unknown;
  try {
    valid = task.validate(input);
  } catch (error) {
    if (!(error instanceof JobsError)) throw error;
    const problems = (error.errors ?? []).map((e) => `  ${e.pointer}: ${e.detail}`);
    ctx.stderr.write(`basalt: ${error.message}\n${problems.join('\n')}${problems.length ? '\n' : ''}`);
    return 1;
  }
  const controller = new AbortController();
  const stop = () => controller.abort(new Error(`jobs run: interrupted`));
  process.once('SIGINT', stop);
  const now = new Date();
  try {
    const result = await runJob(
      jobs.tasks,
      {
        id: `run-${process.pid}-${now.getTime()}`,
        task: task.name,
        queue: task.queue,
        input: valid,
        attempt: 1,
        maxAttempts: 1,
        enqueuedAt: now,
        runAt: now,
      },
      controller.signal,
      { db: app.db ?? undefined, app, log: app.log },
    );
    ctx.stdout.write(`${result === undefined ? 'null' : JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    ctx.stderr.write(
      `basalt: task '${task.name}' failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  } finally {
    process.off('SIGINT', stop);
  }
}

const jobsCommand: AppCommand = {
  name: 'jobs',
  summary: 'Inspect and manage jobs: list, show, retry, cancel, purge, stats; run a task now',
  usage: '<list|show|retry|cancel|purge|stats> [id] | run <task> [--input JSON]',
  description:
    'list [--state S] [--task T] [--queue Q] [--limit N]   newest first\n' +
    'show <id>                 the job, with its input, result or last error and stack\n' +
    'retry <id>                queue a failed (dead-lettered) or cancelled job again\n' +
    'cancel <id>               cancel a waiting or running job\n' +
    'purge [--state S] [--older-than 7d]   remove finished jobs\n' +
    'stats                     how many jobs are in each state\n' +
    'run <task> [--input JSON] run a task now in this process (input validated; default {}),\n' +
    '                          print its result as JSON; nothing is queued',
  options: {
    state: { type: 'string', description: `One of ${JOB_STATES.join(', ')}` },
    task: { type: 'string', description: 'Only jobs of this task' },
    queue: { type: 'string', description: 'Only jobs of this queue' },
    limit: { type: 'string', description: 'At most this many (default 50)' },
    'older-than': {
      type: 'string',
      description: "purge: only jobs finished longer ago than this ('7d', '12h')",
    },
    json: { type: 'boolean', description: 'Print JSON' },
    input: { type: 'string', description: "run: the task's input as JSON (default {})" },
  },
  async run(ctx) {
    const [sub, id] = ctx.positionals;
    if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub))
      return usage(ctx, `jobs needs one of ${SUBCOMMANDS.join(', ')}${sub ? `, not '${sub}'` : ''}`);
    const state = ctx.values.state as string | undefined;
    if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state))
      return usage(ctx, `--state must be one of ${JOB_STATES.join(', ')}, not '${state}'`);
    if ((sub === 'show' || sub === 'retry' || sub === 'cancel') && !id)
      return usage(ctx, `jobs ${sub} needs a job id`);
    if (sub === 'run') {
      if (!id)
        return usage(ctx, "jobs run needs a task name, e.g. basalt jobs run send-receipt --input '{}'");
      if (ctx.positionals.length > 2)
        return usage(ctx, `jobs run takes one task name; pass its input with --input '<JSON>'`);
      const parsed = parseInput(ctx.values.input);
      if (typeof parsed === 'string') return usage(ctx, parsed);
      const app = await ctx.loadApp();
      await app.start();
      return runNow(ctx, app, await getJobs(app), id, parsed.input);
    }
    if (ctx.values.input !== undefined) return usage(ctx, '--input goes with jobs run only');
    const limit = ctx.values.limit === undefined ? 50 : positiveInteger(ctx.values.limit, 'limit');
    if (typeof limit === 'string') return usage(ctx, limit);
    let olderThan: Date | undefined;
    if (typeof ctx.values['older-than'] === 'string') {
      try {
        olderThan = new Date(Date.now() - parseDuration(ctx.values['older-than']));
      } catch (error) {
        return usage(ctx, `--older-than: ${(error as Error).message}`);
      }
    }
    if (sub === 'purge' && state !== undefined && !['completed', 'failed', 'cancelled'].includes(state))
      return usage(ctx, 'purge removes finished jobs only: --state completed, failed or cancelled');
    const json = ctx.values.json === true;
    const out = (text: string) => ctx.stdout.write(`${text}\n`);
    const app = await ctx.loadApp();
    const jobs = await getJobs(app);
    switch (sub) {
      case 'list': {
        const list = await jobs.list({
          ...(state ? { state: state as JobState } : {}),
          ...(typeof ctx.values.task === 'string' ? { task: ctx.values.task } : {}),
          ...(typeof ctx.values.queue === 'string' ? { queue: ctx.values.queue } : {}),
          limit,
        });
        if (json) out(JSON.stringify(list, null, 2));
        else for (const job of list) out(line(job));
        return 0;
      }
      case 'show': {
        const job = await jobs.get(id!);
        if (!job) {
          ctx.stderr.write(`basalt: job ${id} does not exist\n`);
          return 1;
        }
        out(JSON.stringify(job, null, 2));
        return 0;
      }
      case 'retry': {
        const job = await jobs.retry(id!);
        out(json ? JSON.stringify(job, null, 2) : `Job ${job.id} (${job.task}) is ${job.state} again`);
        return 0;
      }
      case 'cancel': {
        const job = await jobs.cancel(id!);
        out(json ? JSON.stringify(job, null, 2) : `Job ${id} cancelled`);
        return 0;
      }
      case 'purge': {
        const purged = await jobs.purge({
          ...(state ? { state: state as 'completed' | 'failed' | 'cancelled' } : {}),
          ...(olderThan ? { olderThan } : {}),
        });
        out(json ? JSON.stringify({ purged }) : `Purged ${purged} job${purged === 1 ? '' : 's'}`);
        return 0;
      }
      default: {
        const counts = await jobs.counts();
        if (json) out(JSON.stringify(counts));
        else for (const s of JOB_STATES) out(`${s.padEnd(10)} ${counts[s]}`);
        return 0;
      }
    }
  },
};

/** The commands `jobs()` contributes: `worker`, `scheduler` and `jobs`. */
export const jobsCommands: readonly AppCommand[] = [worker, scheduler, jobsCommand];
