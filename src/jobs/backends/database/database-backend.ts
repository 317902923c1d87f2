import { createDatabase, type Database, type Executor, sql } from '../../../db/index.js';
import { JobsError } from '../../errors.js';
import {
  JOB_STATES,
  type JobCounts,
  type JobFilter,
  type JobRecord,
  type NewJob,
  newJobRecord,
  type PurgeFilter,
} from '../../job.js';
import type { ConsumeOptions, Consumer, JobsBackend } from '../backend.js';
import { type Completer, createCompleter } from './completer.js';
import { newWorkerId, startDatabaseConsumer } from './consumer.js';
import { createNotifier, type Notifier } from './notifier.js';
import { type JobRow, pgRecordColumns, RECORD_COLUMNS, recordFromRow, writeJson } from './rows.js';

/** Options of {@link databaseBackend}. */
export interface DatabaseBackendOptions {
  /** The app's database (SQLite or PostgreSQL) holding `basalt_job`. */
  db: Database;
  /**
   * PostgreSQL: the URL to LISTEN on, so that workers wake as soon as a job is enqueued
   * (without it they poll). Connections must see the same schema as `db`.
   */
  url?: string;
  /** How long a worker's lease on a job lasts without a heartbeat, ms (default 30 s). */
  leaseMs?: number;
  /** How often an idle worker looks for jobs (and due delayed jobs), ms (default 1 s). */
  pollMs?: number;
  /** PostgreSQL NOTIFY channel (default `basalt_jobs`). */
  channel?: string;
  /**
   * PostgreSQL: make workers' bookkeeping commits wait for the WAL flush like any other
   * (default false: they use synchronous_commit=off, see docs/jobs.md).
   */
  synchronousBookkeeping?: boolean;
  /**
   * The most jobs a worker claims in one statement into its local buffer (default 500). The
   * batch starts at the worker's concurrency, doubles while claims come back full (a deep
   * queue) and halves when they do not; 1 claims one job per free slot.
   */
  batchSize?: number;
}

/** A PostgreSQL URL with one more server option (`-c name=value`) for its connections. */
function withOption(url: string, option: string): string {
  const parsed = new URL(url);
  const existing = parsed.searchParams.get('options');
  parsed.searchParams.set('options', existing ? `${existing} ${option}` : option);
  return parsed.toString();
}

const T = sql.raw('basalt_job');
/** PostgreSQL: the inserted rows' records (`ins`), times as epoch milliseconds. */
const INSERTED = sql.raw(pgRecordColumns('ins'));
const FINISHED = ['completed', 'failed', 'cancelled'] as const;
/** Jobs per INSERT of `enqueueMany` (11 parameters each: well under either database's limit). */
const BULK_ROWS = 500;

/** What the PostgreSQL bulk INSERT reads back of each row. */
interface InsertedRow {
  id: number | string;
  idempotency_key: string | null;
}

function numericId(id: string): number | null {
  return /^\d{1,15}$/.test(id) ? Number(id) : null;
}

/**
 * The queue in the app's own database: a job enqueued with `{ db: tx }` is inserted in that
 * transaction. Workers claim jobs with one UPDATE … RETURNING (SQLite serialises writers;
 * PostgreSQL adds `FOR UPDATE SKIP LOCKED`), hold them under a lease renewed by heartbeats,
 * and wake on LISTEN/NOTIFY on PostgreSQL.
 *
 * @example
 * const backend = databaseBackend({ db, url: process.env.DATABASE_URL });
 */
export function databaseBackend(options: DatabaseBackendOptions): JobsBackend {
  const { db } = options;
  const sqlite = db.dialect === 'sqlite';
  const channel = options.channel ?? 'basalt_jobs';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel))
    throw new TypeError(`The NOTIFY channel '${channel}' must be a lower-case SQL identifier`);
  const notifier: Notifier = createNotifier({
    url: sqlite ? undefined : options.url,
    channel,
  });
  const consumers = new Set<Consumer>();
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000)
    throw new TypeError(`batchSize must be an integer from 1 to 1000 (got ${batchSize})`);
  // One lease holder per backend: its consumers share the statements recording starts and
  // completions (see the completer).
  const workerId = newWorkerId();
  let completer: Completer | undefined;
  const record = (row: JobRow) => recordFromRow(row, sqlite);
  let bookkeeping: Database | undefined;
  /**
   * PostgreSQL with a URL: workers record claims and outcomes through a pool of their own
   * whose commits do not wait for the WAL flush (synchronous_commit=off). A server crash may
   * then forget the last few milliseconds of completions, whose jobs run again — which
   * at-least-once allows — and in exchange a busy worker does not wait for a disk flush per
   * job. Enqueues keep the app's connections and their durability.
   */
  const workerDb = (): Database => {
    if (sqlite || !options.url || options.synchronousBookkeeping) return db;
    bookkeeping ??= createDatabase({
      url: withOption(options.url, '-c synchronous_commit=off'),
      models: [],
      poolSize: 4,
    }) as unknown as Database;
    return bookkeeping;
  };

  async function one(id: string, executor: Executor = db): Promise<JobRecord | null> {
    const key = numericId(id);
    if (key === null) return null;
    const { rows } = await sql<JobRow>`select ${sql.raw(RECORD_COLUMNS)} from ${T} where id = ${key}`.execute(
      executor.kysely,
    );
    return rows[0] ? record(rows[0]) : null;
  }

  async function mustExist(id: string, action: string, allowed: string): Promise<never> {
    const job = await one(id);
    if (!job) throw new JobsError('BASALT_JOBS_JOB_NOT_FOUND', `Job ${id} does not exist`);
    throw new JobsError(
      'BASALT_JOBS_INVALID_STATE',
      `Job ${id} is ${job.state}: only ${allowed} jobs can be ${action}`,
    );
  }

  /**
   * One INSERT of many jobs; resolves with the records of the rows it inserted, in the order of
   * `chunk` (a job whose idempotency key is taken has none). PostgreSQL: the NOTIFY goes in the
   * same statement (identical payloads of one transaction are delivered once), so other
   * processes' workers wake at commit; for a job due now only when its queue is in `loud`
   * (default: every queue).
   */
  async function insertMany(
    executor: Executor,
    chunk: readonly NewJob[],
    loud?: readonly string[],
  ): Promise<JobRecord[]> {
    const now = new Date();
    const stateOf = (job: NewJob) => (job.runAt.getTime() > now.getTime() ? 'delayed' : 'queued');
    const columns = sql`insert into ${T} (task, queue, state, input, priority, ${sql.raw('"rank"')}, attempts, max_attempts, run_at, idempotency_key, enqueued_at, trace)`;
    if (sqlite) {
      const { rows } = await sql<JobRow>`${columns} values ${sql.join(
        chunk.map(
          (job) =>
            sql`(${job.task}, ${job.queue}, ${stateOf(job)}, ${writeJson(job.input)}, ${job.priority}, ${100 - job.priority}, 0, ${job.maxAttempts}, ${job.runAt.toISOString()}, ${job.idempotencyKey}, ${now.toISOString()}, ${job.trace ?? null})`,
        ),
      )} on conflict (idempotency_key) do nothing returning ${sql.raw(RECORD_COLUMNS)}`.execute(
        executor.kysely,
      );
      // SQLite returns rows in no promised order: by id is the order of the values.
      return rows.sort((a, b) => Number(a.id) - Number(b.id)).map(record);
    }
    // The rows as one JSON parameter (serialised natively, read by jsonb_to_recordset in their
    // order) rather than eleven bound parameters per job. Only the ids come back: the rest of
    // each record is what was inserted, and reading every column of every row back (times as
    // text, the input as JSON) was a third of the statement's time and as much again to parse.
    const insert = sql`${columns} select v.task, v.queue, v.state, v.input, v.priority, v."rank", 0, v.max_attempts, v.run_at, v.idempotency_key, ${now.toISOString()}::timestamptz, v.trace
        from jsonb_to_recordset(${JSON.stringify(
          chunk.map((job) => ({
            task: job.task,
            queue: job.queue,
            state: stateOf(job),
            input: job.input === undefined ? null : job.input,
            priority: job.priority,
            rank: 100 - job.priority,
            max_attempts: job.maxAttempts,
            run_at: job.runAt.toISOString(),
            idempotency_key: job.idempotencyKey,
            trace: job.trace ?? null,
          })),
        )}::jsonb) as v(task text, queue text, state text, input jsonb, priority int, "rank" int, max_attempts int, run_at timestamptz, idempotency_key text, trace text)
        on conflict (idempotency_key) do nothing returning id, idempotency_key, state, queue, run_at`;
    // A delayed job's payload carries its time; each query below ends the case its own way.
    const payload = sql`case when ins.state = 'delayed' then ins.queue || '|' || floor(extract(epoch from ins.run_at) * 1000)::bigint`;
    const query =
      loud === undefined
        ? sql<InsertedRow>`with ins as (${insert}) select ins.id, ins.idempotency_key, pg_notify(${channel}, ${payload} else ins.queue end) as notified
          from ins order by ins.id`
        : sql<InsertedRow>`with ins as (${insert}) select ins.id, ins.idempotency_key, (select pg_notify(${channel}, n.payload) from (select
          ${payload} when ins.queue = any(${[...loud]}::text[]) then ins.queue end as payload) n where n.payload is not null) as notified
          from ins order by ins.id`;
    const { rows } = await query.execute(executor.kysely);
    // Ids are in the order of the values: a job without a key is the next keyless one, a job
    // with one is the first holding it (a second one in the same chunk conflicts with it).
    const keyless = chunk.filter((job) => job.idempotencyKey === null);
    const keyed = new Map<string, NewJob>();
    for (const job of chunk)
      if (job.idempotencyKey !== null && !keyed.has(job.idempotencyKey)) keyed.set(job.idempotencyKey, job);
    let next = 0;
    return rows.map((row) => {
      const job = row.idempotency_key === null ? keyless[next++] : keyed.get(row.idempotency_key);
      if (!job) throw new JobsError('BASALT_JOBS_INVALID_STATE', 'An inserted job matches none enqueued');
      return newJobRecord(String(row.id), job, stateOf(job), now);
    });
  }

  /**
   * PostgreSQL: enqueues made outside a transaction in the same turn of the event loop (a
   * busy web process) become one INSERT, so they share a commit (and its WAL flush) instead
   * of paying one each. Each still resolves only once its row is committed. Jobs with an
   * idempotency key go alone: their INSERT may wait for a transaction holding the same key,
   * which must not hold up other jobs.
   */
  let batch: { job: NewJob; resolve(record: JobRecord): void; reject(error: unknown): void }[] | undefined;

  async function flushBatch(pending: NonNullable<typeof batch>): Promise<void> {
    if (pending.length === 1) {
      const [only] = pending;
      return enqueueOne(only!.job, db).then(only!.resolve, only!.reject);
    }
    const now = Date.now();
    const due = [...new Set(pending.filter((p) => p.job.runAt.getTime() <= now).map((p) => p.job.queue))];
    // NOTIFY inline for the queues whose window allows it, a trailing one for the others.
    const loud = due.filter((queue) => notifier.inline(queue));
    let records: JobRecord[];
    try {
      // At most BULK_ROWS jobs (see enqueueBatched): one statement, all or nothing.
      records = await insertMany(
        db,
        pending.map((p) => p.job),
        loud,
      );
    } catch {
      // One statement failed for all: each job alone, so that a bad one fails only its caller.
      await Promise.all(pending.map((p) => enqueueOne(p.job, db).then(p.resolve, p.reject)));
      return;
    }
    for (const queue of due) {
      notifier.local(queue);
      if (!loud.includes(queue)) notifier.trailing(db, queue);
    }
    for (const p of pending) if (p.job.runAt.getTime() > now) notifier.local(p.job.queue, p.job.runAt);
    pending.forEach((p, i) => {
      p.resolve(records[i]!);
    });
  }

  function enqueueBatched(job: NewJob): Promise<JobRecord> {
    return new Promise((resolve, reject) => {
      if (!batch || batch.length >= BULK_ROWS) {
        const pending: NonNullable<typeof batch> = [];
        batch = pending;
        setImmediate(() => {
          if (batch === pending) batch = undefined;
          flushBatch(pending).catch((error: unknown) => {
            for (const p of pending) p.reject(error);
          });
        });
      }
      batch.push({ job, resolve, reject });
    });
  }

  async function enqueueOne(job: NewJob, executor: Executor): Promise<JobRecord> {
    const now = new Date();
    const delayed = job.runAt.getTime() > now.getTime();
    const state = delayed ? 'delayed' : 'queued';
    const insert = sql`insert into ${T} (task, queue, state, input, priority, ${sql.raw('"rank"')}, attempts, max_attempts, run_at, idempotency_key, enqueued_at, trace)
        values (${job.task}, ${job.queue}, ${state}, ${writeJson(job.input)}, ${job.priority}, ${100 - job.priority}, 0, ${job.maxAttempts}, ${job.runAt.toISOString()}, ${job.idempotencyKey}, ${now.toISOString()}, ${job.trace ?? null})
        on conflict (idempotency_key) do nothing returning ${sql.raw(RECORD_COLUMNS)}`;
    // PostgreSQL: NOTIFY in the same statement; inside a transaction it is delivered at commit.
    // A delayed job's payload carries its time, so listeners wake when it is due.
    const payload = delayed ? `${job.queue}|${job.runAt.getTime()}` : job.queue;
    const inline = !sqlite && (delayed || notifier.inline(job.queue));
    const query = inline
      ? sql`with ins as (${insert}) select ${INSERTED}, pg_notify(${channel}, ${payload}) as notified from ins`
      : insert;
    const { rows } = await query.execute(executor.kysely);
    const row = rows[0] as JobRow | undefined;
    if (row) {
      await executor.afterCommit(() => {
        // This process's workers wake at once; others through the (possibly trailing) NOTIFY.
        notifier.local(job.queue, delayed ? job.runAt : undefined);
        if (!sqlite && !inline) notifier.trailing(db, job.queue);
      });
      return record(row);
    }
    const { rows: existing } =
      await sql<JobRow>`select ${sql.raw(RECORD_COLUMNS)} from ${T} where idempotency_key = ${job.idempotencyKey}`.execute(
        executor.kysely,
      );
    if (!existing[0])
      throw new JobsError('BASALT_JOBS_INVALID_STATE', `Job with key '${job.idempotencyKey}' vanished`);
    return record(existing[0]);
  }

  const backend: JobsBackend = {
    kind: 'database',

    enqueue(job: NewJob, enqueueOptions = {}) {
      const executor = enqueueOptions.db ?? db;
      if (!sqlite && executor === db && !db.inTransaction && job.idempotencyKey === null)
        return enqueueBatched(job);
      return enqueueOne(job, executor);
    },

    async enqueueMany(jobs: readonly NewJob[], enqueueOptions = {}) {
      const executor = enqueueOptions.db ?? db;
      const chunks: NewJob[][] = [];
      for (let i = 0; i < jobs.length; i += BULK_ROWS) chunks.push(jobs.slice(i, i + BULK_ROWS));
      const insertAll = async (ex: Executor) => {
        const records: JobRecord[] = [];
        for (const chunk of chunks) records.push(...(await insertMany(ex, chunk)));
        return records;
      };
      // More than one statement: a transaction of their own, so the batch is all or nothing.
      const insertedRecords =
        chunks.length > 1 && !executor.inTransaction
          ? await executor.transaction((tx) => insertAll(tx))
          : await insertAll(executor);
      const now = Date.now();
      await executor.afterCommit(() => {
        for (const queue of new Set(jobs.filter((j) => j.runAt.getTime() <= now).map((j) => j.queue)))
          notifier.local(queue);
        for (const job of jobs) if (job.runAt.getTime() > now) notifier.local(job.queue, job.runAt);
      });
      // Inserted rows come back in the order of the values; a taken key yields the job holding it.
      const byKey = new Map<string, JobRecord>();
      const fresh: JobRecord[] = [];
      for (const inserted of insertedRecords) {
        if (inserted.idempotencyKey === null) fresh.push(inserted);
        else byKey.set(inserted.idempotencyKey, inserted);
      }
      const missing = [...new Set(jobs.map((j) => j.idempotencyKey))].filter(
        (key): key is string => key !== null && !byKey.has(key),
      );
      for (let i = 0; i < missing.length; i += BULK_ROWS) {
        const { rows } =
          await sql<JobRow>`select ${sql.raw(RECORD_COLUMNS)} from ${T} where idempotency_key in (${sql.join(missing.slice(i, i + BULK_ROWS))})`.execute(
            executor.kysely,
          );
        for (const row of rows) if (row.idempotency_key !== null) byKey.set(row.idempotency_key, record(row));
      }
      let next = 0;
      return jobs.map((job) => {
        const found = job.idempotencyKey === null ? fresh[next++] : byKey.get(job.idempotencyKey);
        if (!found)
          throw new JobsError('BASALT_JOBS_INVALID_STATE', `Job with key '${job.idempotencyKey}' vanished`);
        return found;
      });
    },

    get: (id) => one(id),

    async list(filter: JobFilter = {}) {
      const where = [
        filter.state ? sql`state = ${filter.state}` : undefined,
        filter.task ? sql`task = ${filter.task}` : undefined,
        filter.queue ? sql`queue = ${filter.queue}` : undefined,
      ].filter((w) => w !== undefined);
      const clause = where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``;
      const { rows } =
        await sql<JobRow>`select ${sql.raw(RECORD_COLUMNS)} from ${T} ${clause} order by id desc limit ${filter.limit ?? 50}`.execute(
          db.kysely,
        );
      return rows.map(record);
    },

    async counts() {
      const { rows } = await sql<{
        state: string;
        n: number | string;
      }>`select state, count(*) as n from ${T} group by state`.execute(db.kysely);
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as JobCounts;
      for (const row of rows) if (row.state in counts) counts[row.state as keyof JobCounts] = Number(row.n);
      return counts;
    },

    async countsByQueue() {
      const { rows } = await sql<{
        queue: string;
        state: string;
        n: number | string;
      }>`select queue, state, count(*) as n from ${T} group by queue, state`.execute(db.kysely);
      const byQueue: Record<string, JobCounts> = {};
      for (const row of rows) {
        let counts = byQueue[row.queue];
        if (!counts) {
          counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as JobCounts;
          byQueue[row.queue] = counts;
        }
        if (row.state in counts) counts[row.state as keyof JobCounts] = Number(row.n);
      }
      return byQueue;
    },

    async retry(id) {
      const key = numericId(id);
      const now = new Date().toISOString();
      const { rows } =
        key === null
          ? { rows: [] }
          : await sql<JobRow>`update ${T} set state = 'queued', attempts = 0, run_at = ${now}, locked_by = null, locked_until = null, finished_at = null
            where id = ${key} and state in ('failed', 'cancelled') returning ${sql.raw(RECORD_COLUMNS)}`.execute(
              db.kysely,
            );
      if (!rows[0]) return mustExist(id, 'retried', 'failed or cancelled');
      notifier.local(rows[0].queue);
      await notifier.notify(db, rows[0].queue);
      return record(rows[0]);
    },

    async cancel(id) {
      const key = numericId(id);
      const now = new Date().toISOString();
      const { rows } =
        key === null
          ? { rows: [] }
          : await sql<JobRow>`update ${T} set state = 'cancelled', finished_at = ${now}
            where id = ${key} and state in ('queued', 'delayed', 'active') returning ${sql.raw(RECORD_COLUMNS)}`.execute(
              db.kysely,
            );
      if (!rows[0]) return mustExist(id, 'cancelled', 'queued, delayed or active');
      return record(rows[0]);
    },

    async purge(filter: PurgeFilter = {}) {
      const states = filter.state ? [filter.state] : [...FINISHED];
      const older = filter.olderThan ? sql` and finished_at < ${filter.olderThan.toISOString()}` : sql``;
      const result = await sql`delete from ${T} where state in (${sql.join(states)})${older}`.execute(
        db.kysely,
      );
      return Number(result.numAffectedRows ?? 0);
    },

    consume(consumeOptions: ConsumeOptions) {
      const leaseMs = options.leaseMs ?? 30_000;
      const bookkeeper = workerDb();
      completer ??= createCompleter({ db: bookkeeper, workerId });
      const consumer = startDatabaseConsumer({
        db: bookkeeper,
        notifier,
        leaseMs,
        pollMs: options.pollMs ?? 1000,
        workerId,
        completer,
        batchSize: batchSize,
        ...consumeOptions,
      });
      consumers.add(consumer);
      return {
        async close(closeOptions) {
          consumers.delete(consumer);
          await consumer.close(closeOptions);
        },
      };
    },

    async recordTick(name, tick) {
      const { rows } = await sql<{
        last_tick: string | Date;
      }>`select last_tick from basalt_job_schedule where name = ${name}`.execute(db.kysely);
      const iso = tick.toISOString();
      await sql`insert into basalt_job_schedule (name, last_tick) values (${name}, ${iso})
        on conflict (name) do update set last_tick = excluded.last_tick where basalt_job_schedule.last_tick < excluded.last_tick`.execute(
        db.kysely,
      );
      const previous = rows[0]?.last_tick;
      return previous === undefined ? null : new Date(previous);
    },

    async close() {
      await Promise.all([...consumers].map((c) => c.close({ timeoutMs: 0 })));
      await notifier.close();
      await bookkeeping?.close();
    },
  };
  return backend;
}
