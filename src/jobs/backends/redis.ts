import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  type JobType as BullState,
  Worker as BullWorker,
  DelayedError,
  type Job,
  Queue,
  UnrecoverableError,
} from 'bullmq';
import { Redis } from 'ioredis';
import { Deadlines } from '../../internal/deadlines.js';
import {
  DEFAULT_SERVICE_TIMEOUT_MS,
  failFastRedisOptions,
  serviceUnavailableError,
  withinServiceTimeout,
} from '../../internal/service-errors.js';
import { isPermanentError, JobsError } from '../errors.js';
import {
  type ClaimedJob,
  JOB_STATES,
  type JobCounts,
  type JobRecord,
  type JobState,
  type NewJob,
  newJobRecord,
} from '../job.js';
import type { ConsumeOptions, Consumer, JobsBackend } from './backend.js';

/** Options of {@link redisBackend}. */
export interface RedisBackendOptions {
  /** `redis://host:6379/0`. */
  url: string;
  /** The prefix of every BullMQ key (default `basalt`). */
  prefix?: string;
  /** How long a worker's lock on a job lasts without renewal, ms (BullMQ's lockDuration; default 30 s). */
  leaseMs?: number;
  /**
   * How long enqueueing and other client calls wait for Redis, ms (default 5000). While
   * Redis is unreachable they fail at once with a 503 (`BASALT_HTTP_SERVICE_UNAVAILABLE`)
   * instead of being queued and sent when it comes back; workers wait and reconnect.
   */
  timeoutMs?: number;
}

/**
 * Two connections: the client's (enqueue, look-ups), which refuses commands while Redis is
 * down, and the workers' (BullMQ's blocking reads need `maxRetriesPerRequest: null`: they
 * wait for Redis to return), opened with the first consumer.
 */
function redisConnections(url: string, timeoutMs: number) {
  // The client's operations are given up after the timeout by one sweep for all of them
  // (`run`), not by ioredis's commandTimeout, which arms a timer per command.
  const { commandTimeout: _perCommand, ...clientOptions } = failFastRedisOptions(timeoutMs);
  const client = new Redis(url, clientOptions);
  client.on('error', () => undefined);
  const deadlines = new Deadlines(timeoutMs, () =>
    serviceUnavailableError(
      'job queue (Redis)',
      new Error(`the job queue (Redis) did not answer within ${timeoutMs} ms`),
    ),
  );
  // The first connection may be waited for (up to the timeout); once Redis has been reached,
  // a connection that is down again refuses at once.
  let firstReady: Promise<void> | undefined = new Promise<void>((resolve) => client.once('ready', resolve));
  firstReady.then(() => {
    firstReady = undefined;
  });
  let workers: Redis | undefined;
  const down = () =>
    serviceUnavailableError('job queue (Redis)', new Error(`the Redis connection is ${client.status}`));
  return {
    client,
    /** Resolves when the client connection is up, else rejects with a 503: nothing is queued for later. */
    async up(): Promise<void> {
      if (client.status === 'ready') return;
      if (!firstReady || client.status === 'end') throw down();
      await withinServiceTimeout('job queue (Redis)', timeoutMs, firstReady);
      if ((client.status as string) !== 'ready') throw down();
    },
    /**
     * `work` once the client connection is up (else a 503: nothing is queued for later), given
     * up with a 503 when Redis has not answered it within the timeout.
     */
    run<T>(work: () => Promise<T>): Promise<T> {
      // No await when the connection is up: one enqueue is a handful of microtasks already.
      if (client.status === 'ready') return deadlines.within(work());
      return this.up().then(() => deadlines.within(work()));
    },
    workers(): Redis {
      if (!workers) {
        workers = new Redis(url, { maxRetriesPerRequest: null });
        workers.on('error', () => undefined);
      }
      return workers;
    },
    async close(): Promise<void> {
      deadlines.close();
      // QUIT waits for Redis's answer, which a hung Redis never gives (ioredis's per-command
      // timeout used to end that wait): past the timeout, the connection is dropped.
      for (const c of [client, workers]) {
        if (!c) continue;
        if (c.status !== 'ready') {
          c.disconnect();
          continue;
        }
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        });
        await Promise.race([c.quit().then(() => undefined), late]).catch(() => undefined);
        clearTimeout(timer);
        if ((c.status as string) !== 'end') c.disconnect();
      }
    },
  };
}

const STATE_OF: Record<string, JobState> = {
  waiting: 'queued',
  wait: 'queued',
  prioritized: 'queued',
  paused: 'queued',
  'waiting-children': 'queued',
  delayed: 'delayed',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
};
const TYPES_OF: Record<JobState, BullState[]> = {
  queued: ['waiting', 'prioritized'],
  delayed: ['delayed'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
  cancelled: [],
};

/** A job id carries its queue: `<queue>~<BullMQ id>` (queue names have no `~`). */
function splitId(id: string): { queue: string; bullId: string } | null {
  const at = id.indexOf('~');
  return at > 0 && at < id.length - 1 ? { queue: id.slice(0, at), bullId: id.slice(at + 1) } : null;
}

function recordOf(job: Job, state: JobState): JobRecord {
  const stack = job.stacktrace?.length ? job.stacktrace[job.stacktrace.length - 1]! : null;
  const opts = job.opts as {
    attempts?: number;
    priority?: number;
    delay?: number;
    basaltKey?: string;
    basaltRunAt?: number;
    basaltPriority?: number;
  };
  return {
    id: `${job.queueName}~${job.id}`,
    task: job.name,
    queue: job.queueName,
    state,
    input: job.data ?? null,
    result: job.returnvalue ?? null,
    priority: opts.basaltPriority ?? 0,
    attempts: state === 'active' ? job.attemptsMade + 1 : job.attemptsMade,
    maxAttempts: opts.attempts ?? 1,
    idempotencyKey: opts.basaltKey ?? null,
    error: job.failedReason || null,
    stack,
    enqueuedAt: new Date(job.timestamp),
    runAt: new Date(opts.basaltRunAt ?? job.timestamp + (opts.delay ?? 0)),
    startedAt: job.processedOn ? new Date(job.processedOn) : null,
    finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
  };
}

/**
 * A claimed job read from BullMQ's: its dates made on first read (a no-op job's run reads
 * neither; two Dates per job were a measurable part of a 4-worker drain's garbage).
 */
class ClaimedBullJob implements ClaimedJob {
  readonly id: string;
  readonly task: string;
  readonly queue: string;
  readonly input: unknown;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly trace: string | null;
  /** When it became runnable, ms since the epoch. */
  readonly runAtMs: number;
  readonly #enqueuedAtMs: number;
  #enqueuedAt: Date | undefined;
  #runAt: Date | undefined;

  constructor(job: Job, attempt = job.attemptsMade + 1) {
    const opts = job.opts as { attempts?: number; delay?: number; basaltTrace?: string };
    this.id = `${job.queueName}~${job.id}`;
    this.task = job.name;
    this.queue = job.queueName;
    this.input = job.data ?? null;
    this.attempt = attempt;
    this.maxAttempts = opts.attempts ?? 1;
    this.trace = opts.basaltTrace ?? null;
    this.#enqueuedAtMs = job.timestamp;
    this.runAtMs = job.timestamp + (opts.delay ?? 0);
  }

  get enqueuedAt(): Date {
    this.#enqueuedAt ??= new Date(this.#enqueuedAtMs);
    return this.#enqueuedAt;
  }

  get runAt(): Date {
    this.#runAt ??= new Date(this.runAtMs);
    return this.#runAt;
  }
}

function claimedOf(job: Job): ClaimedJob {
  return new ClaimedBullJob(job);
}

/**
 * Jobs in Redis through BullMQ: retries, backoff, delays, priorities, locks and stalled-job
 * recovery are BullMQ's. A job enqueued with `{ db: tx }` is added once `tx` commits.
 *
 * @example
 * const backend = redisBackend({ url: process.env.REDIS_URL! });
 */
export function redisBackend(options: RedisBackendOptions): JobsBackend {
  const prefix = options.prefix ?? 'basalt';
  const connections = redisConnections(options.url, options.timeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS);
  const connection = connections.client;
  const queues = new Map<string, Queue>();
  const consumers = new Set<Consumer>();
  const queueOf = (name: string) => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection, prefix });
      queue.on('error', () => undefined);
      queues.set(name, queue);
    }
    return queue;
  };

  function find(id: string): Promise<{ job: Job; state: JobState } | null> {
    return connections.run(async () => {
      const parts = splitId(id);
      if (!parts) return null;
      const queue = queueOf(parts.queue);
      // State first, then the data: a job finishing in between is reported as still running,
      // never as completed without its result.
      const raw = await queue.getJobState(parts.bullId);
      const job = (await queue.getJob(parts.bullId)) as Job | undefined;
      if (!job || raw === 'unknown') return null;
      return { job, state: STATE_OF[raw] ?? 'queued' };
    });
  }

  /**
   * The BullMQ options of a job (ours travel as unknown options BullMQ keeps). Only what differs
   * from the defaults: every byte is stored, and read back by the worker, once per job.
   *
   * Our priority (-100..100, higher first) in BullMQ terms: BullMQ takes its wait list before its
   * prioritized set, and prioritized jobs cost workers dearly (half the throughput with four), so
   * priority 0 stays on the wait list (FIFO), a positive priority goes to its head (`lifo`), and a
   * negative one to the prioritized set (1 first), taken when the wait list is empty.
   */
  function bullOptions(job: NewJob, jobId: string | undefined, delay: number): Record<string, unknown> {
    // Assigned one by one rather than spread: this runs once per job.
    const opts: Record<string, unknown> = { attempts: job.maxAttempts };
    if (jobId) opts.jobId = jobId;
    if (job.priority > 0) opts.lifo = true;
    else if (job.priority < 0) opts.priority = -job.priority;
    if (delay > 0) opts.delay = delay;
    // Retries follow the task's backoff; a job without retries never asks for it.
    if (job.maxAttempts > 1) opts.backoff = { type: 'basalt' };
    if (job.idempotencyKey !== null) opts.basaltKey = job.idempotencyKey;
    // Exact, always: a schedule's job is due at its tick, not when it was added.
    opts.basaltRunAt = job.runAt.getTime();
    if (job.priority !== 0) opts.basaltPriority = job.priority;
    if (job.trace) opts.basaltTrace = job.trace;
    return opts;
  }

  async function add(job: NewJob, jobId: string | undefined): Promise<JobRecord> {
    let delay = 0;
    const added = await connections.run(() => {
      delay = Math.max(0, job.runAt.getTime() - Date.now());
      return queueOf(job.queue).add(job.task, job.input, bullOptions(job, jobId, delay));
    });
    return recordOf(added as Job, delay > 0 ? 'delayed' : 'queued');
  }

  /**
   * Enqueues made in the same tick (concurrent requests, a loop of `enqueue` calls) go to Redis
   * in one socket write: each is its own `add` (its own reply, and its own failure), sent with
   * the client's socket corked until their writes are made. The write is the largest
   * part of an enqueue's CPU; BullMQ's `addBulk` would batch it too, but its ioredis pipeline
   * copies every BullMQ script onto each pipeline it makes (~50 µs), which a batch of a dozen
   * jobs does not earn back (bench/jobs/redis-cpu.ts: 21–22 µs of CPU per enqueue corked,
   * 26–27 µs through addBulk, raw BullMQ's `add` 21–24; bench:jobs's enqueue-and-process rows,
   * three A/B pairs: 0.91–1.09× of raw BullMQ corked, 0.81–0.97× through addBulk). A lone
   * enqueue is sent as it is, on the next tick.
   */
  let pending: {
    job: NewJob;
    jobId: string | undefined;
    resolve: (record: JobRecord) => void;
    reject: (error: unknown) => void;
  }[] = [];
  function flush(): void {
    const batch = pending;
    pending = [];
    const stream = batch.length > 1 && connection.status === 'ready' ? connection.stream : undefined;
    if (stream) {
      stream.cork();
      // The adds write after a few promise turns (BullMQ awaits its client, all resolved): a
      // tick queued from a microtask runs once the whole microtask queue has drained, so
      // after the last of those writes and still in this turn of the event loop.
      // (Uncorked on the next turn instead, the 4-worker enqueue-and-process row of bench:jobs
      // fell from 0.92–0.94× to 0.83–0.85× of raw BullMQ: every batch waited a turn.)
      queueMicrotask(() => process.nextTick(() => stream.uncork()));
    }
    for (const one of batch) add(one.job, one.jobId).then(one.resolve, one.reject);
  }
  function addSoon(job: NewJob, jobId: string | undefined): Promise<JobRecord> {
    return new Promise<JobRecord>((resolve, reject) => {
      if (pending.push({ job, jobId, resolve, reject }) === 1) process.nextTick(flush);
    });
  }

  /** Adds jobs with BullMQ's `addBulk` (one round trip per queue). */
  function addMany(many: readonly { job: NewJob; jobId: string | undefined }[]): Promise<JobRecord[]> {
    return connections.run(async () => {
      const now = Date.now();
      const records = new Map<{ job: NewJob }, JobRecord>();
      // Nearly always one queue (one task's jobs): then no grouping.
      const first = many[0]?.job.queue;
      const groups = many.every((m) => m.job.queue === first)
        ? [many]
        : [...new Set(many.map((m) => m.job.queue))].map((name) => many.filter((m) => m.job.queue === name));
      for (const mine of groups) {
        const added = await queueOf(mine[0]!.job.queue).addBulk(
          mine.map(({ job, jobId }) => ({
            name: job.task,
            data: job.input,
            opts: bullOptions(job, jobId, Math.max(0, job.runAt.getTime() - now)),
          })),
        );
        const state = (m: { job: NewJob }) => (m.job.runAt.getTime() > now ? 'delayed' : 'queued');
        if (groups.length === 1) return mine.map((m, i) => recordOf(added[i] as Job, state(m)));
        for (const [i, m] of mine.entries()) records.set(m, recordOf(added[i] as Job, state(m)));
      }
      return many.map((m) => records.get(m)!);
    });
  }

  /** Custom BullMQ ids may not contain ':' (nor be integers): the key is URI-encoded. */
  const keyedId = (job: NewJob) =>
    job.idempotencyKey === null ? undefined : `k-${encodeURIComponent(job.idempotencyKey)}`;

  /** The record of a job added after commit, known before it is added. */
  function pendingRecord(job: NewJob, jobId: string): JobRecord {
    const now = new Date();
    return newJobRecord(
      `${job.queue}~${jobId}`,
      job,
      job.runAt.getTime() > now.getTime() ? 'delayed' : 'queued',
      now,
    );
  }

  const backend: JobsBackend = {
    kind: 'redis',

    async enqueue(job, enqueueOptions = {}) {
      const keyed = keyedId(job);
      const db = enqueueOptions.db;
      if (!db?.inTransaction) return addSoon(job, keyed);
      // Refused now, while the transaction can still roll back, rather than after its commit.
      await connections.up();
      // Redis cannot join the transaction: the job is added after commit, under an id known now.
      const jobId = keyed ?? `t-${randomUUID()}`;
      await db.afterCommit(() => addSoon(job, jobId));
      return pendingRecord(job, jobId);
    },

    async enqueueMany(jobs, enqueueOptions = {}) {
      const db = enqueueOptions.db;
      if (!db?.inTransaction) return addMany(jobs.map((job) => ({ job, jobId: keyedId(job) })));
      await connections.up();
      const many = jobs.map((job) => ({ job, jobId: keyedId(job) ?? `t-${randomUUID()}` }));
      await db.afterCommit(() => addMany(many));
      return many.map(({ job, jobId }) => pendingRecord(job, jobId));
    },

    useQueues(names) {
      for (const name of names) queueOf(name);
    },

    async get(id) {
      const found = await find(id);
      return found ? recordOf(found.job, found.state) : null;
    },

    list(filter = {}) {
      return connections.run(async () => {
        const limit = filter.limit ?? 50;
        const names = filter.queue ? [filter.queue] : [...queues.keys()];
        const states = filter.state ? [filter.state] : JOB_STATES.filter((s) => s !== 'cancelled');
        const records: JobRecord[] = [];
        for (const name of names)
          for (const state of states) {
            const types = TYPES_OF[state];
            if (types.length === 0) continue;
            const jobs = (await queueOf(name).getJobs(
              types,
              0,
              filter.task ? -1 : limit - 1,
              false,
            )) as Job[];
            for (const job of jobs)
              if (job && (!filter.task || job.name === filter.task)) records.push(recordOf(job, state));
          }
        return records.sort((a, b) => b.enqueuedAt.getTime() - a.enqueuedAt.getTime()).slice(0, limit);
      });
    },

    async counts() {
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as JobCounts;
      for (const one of Object.values(await backend.countsByQueue()))
        for (const state of JOB_STATES) counts[state] += one[state];
      return counts;
    },

    countsByQueue() {
      return connections.run(async () => {
        const byQueue: Record<string, JobCounts> = {};
        for (const [name, queue] of queues) {
          const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as JobCounts;
          const raw = await queue.getJobCounts(
            'waiting',
            'prioritized',
            'delayed',
            'active',
            'completed',
            'failed',
          );
          for (const [type, n] of Object.entries(raw)) {
            const state = STATE_OF[type];
            if (state) counts[state] += n;
          }
          byQueue[name] = counts;
        }
        return byQueue;
      });
    },

    async retry(id) {
      const found = await find(id);
      if (!found) throw new JobsError('BASALT_JOBS_JOB_NOT_FOUND', `Job ${id} does not exist`);
      if (found.state !== 'failed')
        throw new JobsError(
          'BASALT_JOBS_INVALID_STATE',
          `Job ${id} is ${found.state}: only failed jobs can be retried`,
        );
      await connections.run(() =>
        found.job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }),
      );
      return (await backend.get(id)) ?? recordOf(found.job, 'queued');
    },

    async cancel(id) {
      const found = await find(id);
      if (!found) throw new JobsError('BASALT_JOBS_JOB_NOT_FOUND', `Job ${id} does not exist`);
      if (found.state !== 'queued' && found.state !== 'delayed')
        throw new JobsError(
          'BASALT_JOBS_INVALID_STATE',
          `Job ${id} is ${found.state}: on Redis only queued or delayed jobs can be cancelled`,
        );
      // BullMQ has no cancelled state: the job is removed.
      await connections.run(() => found.job.remove());
      return null;
    },

    purge(filter = {}) {
      return connections.run(async () => {
        const grace = filter.olderThan ? Math.max(0, Date.now() - filter.olderThan.getTime()) : 0;
        const types = filter.state ? [filter.state] : (['completed', 'failed'] as const);
        let purged = 0;
        for (const queue of queues.values())
          for (const type of types)
            if (type !== 'cancelled') purged += (await queue.clean(grace, 0, type)).length;
        return purged;
      });
    },

    consume(consume: ConsumeOptions) {
      const consumer = startRedisConsumer(consume, {
        connection: connections.workers(),
        prefix,
        leaseMs: options.leaseMs ?? 30_000,
      });
      for (const name of consume.queues) queueOf(name);
      consumers.add(consumer);
      return {
        async close(closeOptions) {
          consumers.delete(consumer);
          await consumer.close(closeOptions);
        },
      };
    },

    recordTick(name, tick) {
      return connections.run(async () => {
        const key = `${prefix}:basalt:schedule-ticks`;
        const previous = await connection.hget(key, name);
        if (previous === null || Number(previous) < tick.getTime())
          await connection.hset(key, name, String(tick.getTime()));
        return previous === null ? null : new Date(Number(previous));
      });
    },

    async close() {
      await Promise.all([...consumers].map((c) => c.close({ timeoutMs: 0 })));
      await Promise.all([...queues.values()].map((q) => q.close()));
      await connections.close();
    },
  };
  return backend;
}

/** How often workers look for stalled jobs: a quarter of the lease, between 250 ms and 5 s. */
function stalledIntervalFor(leaseMs: number): number {
  return Math.min(5000, Math.max(250, Math.floor(leaseMs / 4)));
}

/**
 * A PermanentError as BullMQ's UnrecoverableError, which fails the job whatever attempts
 * remain; the message and stack stay the task's, the original travels as its cause.
 */
function unrecoverable(error: Error): UnrecoverableError {
  const converted = new UnrecoverableError(error.message);
  converted.stack = error.stack ?? converted.stack;
  converted.cause = error;
  return converted;
}

/**
 * How long a job of a task this worker lacks is put aside: BullMQ hands a worker the next job
 * of its queue whatever its name, so the job goes back (delayed, no attempt used) for a worker
 * that has its task, rather than coming straight back to this one.
 */
const HAND_BACK_MS = 1000;

function startRedisConsumer(
  options: ConsumeOptions,
  shared: { connection: Redis; prefix: string; leaseMs: number },
): Consumer {
  const known = options.tasks === undefined ? undefined : new Set(options.tasks);
  const running = new Map<string, { job: Job; token: string | undefined }>();
  // Redis jobs are only ever aborted all at once (a shutdown past its timeout): one signal for
  // all, rather than an AbortController per job.
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal);
  const emit: NonNullable<ConsumeOptions['onEvent']> = (event) => {
    try {
      options.onEvent?.(event);
    } catch {
      // An observer's failure never stops the worker.
    }
  };
  const workers = options.queues.map((name) => {
    const worker = new BullWorker(
      name,
      async (job: Job, token?: string) => {
        if (known && !known.has(job.name)) {
          await job.moveToDelayed(Date.now() + HAND_BACK_MS, token);
          // BullMQ's signal that the job was moved by the processor: not a failure.
          throw new DelayedError();
        }
        const claimed = new ClaimedBullJob(job);
        const key = claimed.id;
        running.set(key, { job, token });
        const started = Date.now();
        emit({ type: 'started', job: claimed, waitedMs: Math.max(0, started - claimed.runAtMs) });
        try {
          const result = await options.process(claimed, shutdown.signal);
          emit({ type: 'completed', job: claimed, durationMs: Date.now() - started });
          return result;
        } catch (error) {
          throw isPermanentError(error) ? unrecoverable(error as Error) : error;
        } finally {
          running.delete(key);
        }
      },
      {
        connection: shared.connection,
        prefix: shared.prefix,
        concurrency: options.concurrency,
        lockDuration: shared.leaseMs,
        // BullMQ moves a job whose lock is gone at the first stalled check after it expired
        // (every worker checks, at most once per interval between them): a killed worker's
        // jobs run again within the lease plus this interval, kept well below the lease.
        stalledInterval: stalledIntervalFor(shared.leaseMs),
        settings: {
          backoffStrategy: (_attempts, _type, error, job) =>
            job ? (options.retryDelay(claimedOf(job as Job), error) ?? -1) : 0,
        },
      },
    );
    worker.on('failed', (job, failure) => {
      if (!job) return;
      const error = failure instanceof UnrecoverableError && failure.cause ? failure.cause : failure;
      const claimed = new ClaimedBullJob(job as Job, (job as Job).attemptsMade);
      if ((job as Job).attemptsMade >= claimed.maxAttempts || (job as Job).finishedOn)
        emit({ type: 'failed', job: claimed, error });
      else emit({ type: 'retrying', job: claimed, error, delayMs: 0 });
    });
    worker.on('error', (error) => emit({ type: 'error', error }));
    return worker;
  });
  return {
    async close(closeOptions = {}) {
      const timeoutMs = closeOptions.timeoutMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (!timedOut) return;
      // Past the timeout: hand running jobs back to the queue, then stop for good.
      for (const { job, token } of running.values()) await job.moveToWait(token).catch(() => undefined);
      shutdown.abort(new Error('The worker is shutting down'));
      await Promise.all(workers.map((w) => w.close(true)));
    },
  };
}
