import { hostname } from 'node:os';
import { type Database, sql } from '../../../db/index.js';
import { isPermanentError } from '../../errors.js';
import type { ClaimedJob } from '../../job.js';
import type { ConsumeOptions, Consumer } from '../backend.js';
import type { ClaimQuery, Completer } from './completer.js';
import type { Notifier } from './notifier.js';
import { CLAIM_COLUMNS, claimedFromRow, describeError, type JobRow, writeJson } from './rows.js';

interface DatabaseConsumerOptions extends ConsumeOptions {
  db: Database;
  notifier: Notifier;
  leaseMs: number;
  pollMs: number;
  /** The lease holder's name: one per backend and process, shared by its consumers. */
  workerId: string;
  /** PostgreSQL: records completions of this backend's consumers together. */
  completer?: Completer;
}

interface Running {
  job: ClaimedJob;
  controller: AbortController;
  done: Promise<void>;
}

const T = sql.raw('basalt_job');
const LEASE_LOST = 'The worker running this job was lost (its lease expired) on the last attempt';
let backendCount = 0;

/** A lease holder's name: host, process and backend, so `jobs show` tells whose a job is. */
export function newWorkerId(): string {
  backendCount += 1;
  return `${hostname()}:${process.pid}:${backendCount}:${Math.random().toString(36).slice(2, 8)}`;
}

const PG_CLAIM_COLUMNS = sql.raw(
  CLAIM_COLUMNS.split(', ')
    .map((c) => `j.${c}`)
    .join(', '),
);

/**
 * The claim statement of a worker: up to `limit` queued jobs of `queues`, best first, leased
 * to `workerId` for `leaseMs` (SQLite serialises writers; PostgreSQL skips locked rows).
 */
export function createClaimQuery(options: {
  sqlite: boolean;
  workerId: string;
  leaseMs: number;
}): ClaimQuery {
  const { sqlite, workerId, leaseMs } = options;
  return (queues, limit, now) => {
    const until = new Date(Date.now() + leaseMs).toISOString();
    const queueList = sql.join([...queues]);
    return sqlite
      ? sql<JobRow>`update ${T} set state = 'active', attempts = attempts + 1, locked_by = ${workerId}, locked_until = ${until}, started_at = ${now}
          where id in (select id from ${T} where queue in (${queueList}) and state = 'queued' order by "rank", id limit ${limit})
          returning ${sql.raw(CLAIM_COLUMNS)}`
      : sql<JobRow>`update ${T} j set state = 'active', attempts = j.attempts + 1, locked_by = ${workerId}, locked_until = ${until}, started_at = ${now}
          from (select id from ${T} where queue in (${queueList}) and state = 'queued' order by "rank", id limit ${limit} for update skip locked) c
          where j.id = c.id returning ${PG_CLAIM_COLUMNS}`;
  };
}

/**
 * One worker's loop over the database queue: claim up to the free slots, run them under a
 * lease renewed every third of its length, record the outcome; sleep until a NOTIFY, a local
 * enqueue, a freed slot or the poll interval.
 */
export function startDatabaseConsumer(options: DatabaseConsumerOptions): Consumer {
  const { db, notifier, leaseMs, pollMs, concurrency, queues, workerId } = options;
  const sqlite = db.dialect === 'sqlite';
  const claimStatement = createClaimQuery({ sqlite, workerId, leaseMs });
  const queueList = sql.join([...queues]);
  const running = new Map<string, Running>();
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let pending = false;
  const wake = () => {
    pending = true;
    wakeUp?.();
  };
  let due = false;
  const unsubscribe = notifier.subscribe((queue, isDue) => {
    if (!queues.includes(queue)) return;
    if (isDue) due = true;
    wake();
  });
  const emit: NonNullable<ConsumeOptions['onEvent']> = (event) => {
    try {
      options.onEvent?.(event);
    } catch {
      // An observer's failure never stops the worker.
    }
  };

  const until = () => new Date(Date.now() + leaseMs).toISOString();

  async function maintain(): Promise<void> {
    const now = new Date().toISOString();
    // Due delayed jobs (delays, retry backoffs) become queued.
    await sql`update ${T} set state = 'queued' where state = 'delayed' and run_at <= ${now} and queue in (${queueList})`.execute(
      db.kysely,
    );
    // Jobs whose worker died: queued again, or dead-lettered when that was their last attempt.
    await sql`update ${T} set
        state = case when attempts >= max_attempts then 'failed' else 'queued' end,
        error = case when attempts >= max_attempts then ${LEASE_LOST} else error end,
        finished_at = case when attempts >= max_attempts then ${sqlite ? sql`${now}` : sql`cast(${now} as timestamptz)`} else null end,
        locked_by = null, locked_until = null
      where state = 'active' and locked_until < ${now} and queue in (${queueList})`.execute(db.kysely);
  }

  const claimQuery = (limit: number, now: string) => claimStatement(queues, limit, now);

  async function claim(limit: number): Promise<ClaimedJob[]> {
    const { rows } = await claimQuery(limit, new Date().toISOString()).execute(db.kysely);
    return rows.map((row) => claimedFromRow(row, sqlite));
  }

  /**
   * Records a completed job and, while running, claims the next one for the slot it frees:
   * on PostgreSQL in one statement shared with the other completions of the same turn (see
   * the completer), so busy workers pay less than one round trip per job.
   */
  async function complete(job: ClaimedJob, result: unknown): Promise<ClaimedJob[]> {
    if (options.completer && !sqlite)
      return options.completer.complete(queues, { job, result, claim: stopping ? 0 : 1 });
    const now = new Date().toISOString();
    await sql`update ${T} set state = 'completed', result = ${writeJson(result)}, finished_at = ${now}, locked_by = null, locked_until = null
      where id = ${Number(job.id)} and locked_by = ${workerId} and attempts = ${job.attempt} and state = 'active'`.execute(
      db.kysely,
    );
    return stopping ? [] : claim(1);
  }

  /** Records the outcome of a run; returns the jobs claimed for the freed slot. */
  async function finish(
    job: ClaimedJob,
    outcome: { result: unknown } | { error: unknown },
  ): Promise<ClaimedJob[]> {
    const now = new Date();
    const lease = sql`id = ${Number(job.id)} and locked_by = ${workerId} and attempts = ${job.attempt} and state = 'active'`;
    if ('result' in outcome) return complete(job, outcome.result);
    const { message, stack } = describeError(outcome.error);
    // A PermanentError ends the job now, with the attempts it has left.
    const delay =
      job.attempt < job.maxAttempts && !isPermanentError(outcome.error)
        ? options.retryDelay(job, outcome.error)
        : null;
    if (delay === null) {
      await sql`update ${T} set state = 'failed', error = ${message}, stack = ${stack}, finished_at = ${now.toISOString()}, locked_by = null, locked_until = null where ${lease}`.execute(
        db.kysely,
      );
      emit({ type: 'failed', job, error: outcome.error });
      return [];
    }
    const runAt = new Date(now.getTime() + delay);
    await sql`update ${T} set state = ${delay > 0 ? 'delayed' : 'queued'}, run_at = ${runAt.toISOString()}, error = ${message}, stack = ${stack}, locked_by = null, locked_until = null where ${lease}`.execute(
      db.kysely,
    );
    emit({ type: 'retrying', job, error: outcome.error, delayMs: delay });
    notifier.local(job.queue, runAt);
    return [];
  }

  function start(job: ClaimedJob): void {
    const controller = new AbortController();
    const started = Date.now();
    emit({ type: 'started', job, waitedMs: Math.max(0, started - job.runAt.getTime()) });
    const done = options
      .process(job, controller.signal)
      .then(
        (result) => {
          emit({ type: 'completed', job, durationMs: Date.now() - started });
          return { result };
        },
        (error: unknown) => ({ error }),
      )
      .then((outcome) => (controller.signal.aborted ? [] : finish(job, outcome)))
      .catch((error: unknown) => {
        emit({ type: 'error', error });
        return [];
      })
      .then((next) => {
        // The slot passes straight to the next job; only an empty claim wakes the loop.
        running.delete(job.id);
        for (const claimed of next) start(claimed);
        if (next.length === 0) wake();
      });
    running.set(job.id, { job, controller, done });
  }

  async function heartbeat(): Promise<void> {
    if (running.size === 0) return;
    const ids = [...running.keys()].map(Number);
    const { rows } = await sql<{ id: number | string }>`update ${T} set locked_until = ${until()}
      where id in (${sql.join(ids)}) and locked_by = ${workerId} and state = 'active' returning id`.execute(
      db.kysely,
    );
    const kept = new Set(rows.map((r) => String(r.id)));
    // Cancelled, or the lease was lost (this process stalled past it): stop working on it.
    for (const [id, entry] of running)
      if (!kept.has(id) && ids.includes(Number(id)))
        entry.controller.abort(new Error('The job was cancelled or its lease was lost'));
  }
  const beat = setInterval(
    () => {
      heartbeat().catch((error: unknown) => emit({ type: 'error', error }));
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  beat.unref();

  async function loop(): Promise<void> {
    let lastMaintenance = 0;
    while (!stopping) {
      pending = false;
      try {
        if (due || Date.now() - lastMaintenance >= Math.min(pollMs, leaseMs / 2)) {
          due = false;
          lastMaintenance = Date.now();
          await maintain();
        }
        const free = concurrency - running.size;
        if (free > 0 && !stopping) {
          const jobs = await claim(free);
          for (const job of jobs) start(job);
          if (jobs.length === free && !stopping) continue;
        }
      } catch (error) {
        emit({ type: 'error', error });
      }
      if (pending || stopping) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  }
  const looping = loop();

  return {
    async close(closeOptions = {}) {
      if (stopping) return looping;
      stopping = true;
      wakeUp?.();
      await looping;
      const timeoutMs = closeOptions.timeoutMs ?? 30_000;
      const deadline = Date.now() + timeoutMs;
      while (running.size > 0 && Date.now() < deadline) {
        const all = Promise.all([...running.values()].map((r) => r.done));
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          all,
          new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
        ]);
        clearTimeout(timer);
      }
      clearInterval(beat);
      unsubscribe();
      if (running.size === 0) return;
      // Still running past the timeout: hand them back (this attempt does not count).
      const ids = [...running.keys()].map(Number);
      const released = new Set([...running.values()].map((r) => r.job.queue));
      for (const entry of running.values()) entry.controller.abort(new Error('The worker is shutting down'));
      await sql`update ${T} set state = 'queued', attempts = attempts - 1, locked_by = null, locked_until = null, started_at = null
        where id in (${sql.join(ids)}) and locked_by = ${workerId} and state = 'active'`.execute(db.kysely);
      for (const queue of released) await notifier.notify(db, queue).catch(() => undefined);
    },
  };
}
