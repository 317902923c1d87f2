import { hostname } from 'node:os';
import { type Database, sql } from '../../../db/index.js';
import { isPermanentError } from '../../errors.js';
import type { ClaimedJob } from '../../job.js';
import type { ConsumeOptions, Consumer } from '../backend.js';
import type { Completer } from './completer.js';
import type { Notifier } from './notifier.js';
import { CLAIM_COLUMNS, claimedFromRow, describeError, type JobRow } from './rows.js';

interface DatabaseConsumerOptions extends ConsumeOptions {
  db: Database;
  notifier: Notifier;
  leaseMs: number;
  pollMs: number;
  /** The lease holder's name: one per backend and process, shared by its consumers. */
  workerId: string;
  /** Records starts and completions of this backend's consumers together. */
  completer: Completer;
  /** The most jobs one claim takes into the local buffer (the batch grows up to it while the queue is deep). */
  batchSize: number;
}

interface Running {
  job: ClaimedJob;
  controller: AbortController;
  done: Promise<void>;
}

const T = sql.raw('basalt_job');
/** The most rows one maintenance statement changes (PostgreSQL). */
const MAINTAIN_ROWS = 1000;
const LEASE_LOST = 'The worker running this job was lost (its lease expired) on the last attempt';
let backendCount = 0;

/** A lease holder's name: host, process and backend, so `jobs show` tells whose a job is. */
export function newWorkerId(): string {
  backendCount += 1;
  return `${hostname()}:${process.pid}:${backendCount}:${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * PostgreSQL: the claimed columns, times as epoch milliseconds (a float: `new Date(ms)` costs
 * far less than parsing timestamp text, twice per job).
 */
const PG_CLAIM_COLUMNS = sql.raw(
  CLAIM_COLUMNS.split(', ')
    .map((c) =>
      c === 'enqueued_at' || c === 'run_at'
        ? `(extract(epoch from j.${c}) * 1000)::float8 as ${c}`
        : `j.${c}`,
    )
    .join(', '),
);

/**
 * The claim statement of a worker: up to `limit` queued jobs of `queues` (and of `tasks`, when
 * given: the tasks it can run), best first, leased to `workerId` for `leaseMs` into its local
 * buffer (SQLite serialises writers; PostgreSQL skips locked rows). The attempt is not counted
 * here but when the job starts (see the completer), so a buffered job handed back or found
 * after a crash has lost nothing.
 *
 * The claim index (`queue, rank, id` of queued jobs) gives the order; the task is checked on
 * each row it yields. A worker that has every task of its queues (the usual case) skips
 * nothing; one that lacks some (an old version in a rolling deploy) steps over their jobs
 * where they lie, at each claim (about 0.12 ms per 1,000 jobs stepped over on PostgreSQL 15:
 * 12 ms behind 100,000) — not worth changing every app's index for a transient case.
 */
export function createClaimQuery(options: {
  sqlite: boolean;
  workerId: string;
  leaseMs: number;
  queues: readonly string[];
  tasks: readonly string[] | undefined;
}): (limit: number, below?: number) => ReturnType<typeof sql<JobRow>> {
  const { sqlite, workerId, leaseMs, queues, tasks } = options;
  const queueList = sql.join([...queues]);
  // `task in ($1)` is `task = $1` to the planner; several are one `= any(...)` filter.
  const ofTasks = tasks === undefined ? sql`` : sql` and task in (${sql.join([...tasks])})`;
  return (limit, below) => {
    const until = new Date(Date.now() + leaseMs).toISOString();
    const better = below === undefined ? ofTasks : sql`${ofTasks} and "rank" < ${below}`;
    return sqlite
      ? sql<JobRow>`update ${T} set state = 'active', locked_by = ${workerId}, locked_until = ${until}, started_at = null
          where id in (select id from ${T} where queue in (${queueList}) and state = 'queued'${better} order by "rank", id limit ${limit})
          returning ${sql.raw(CLAIM_COLUMNS)}`
      : sql<JobRow>`update ${T} j set state = 'active', locked_by = ${workerId}, locked_until = ${until}, started_at = null
          from (select id from ${T} where queue in (${queueList}) and state = 'queued'${better} order by "rank", id limit ${limit} for update skip locked) c
          where j.id = c.id returning ${PG_CLAIM_COLUMNS}`;
  };
}

/** Best first: higher priority, then older (as the claim index orders them). */
function byRank(a: JobRow, b: JobRow): number {
  return Number(b.priority) - Number(a.priority) || Number(a.id) - Number(b.id);
}

/**
 * One worker's loop over the database queue: claim jobs in batches into a local buffer (the
 * batch doubles while claims come back full, up to `batchSize`, and halves when they do not),
 * start them in the free slots, renew the leases of running and buffered jobs every third of
 * the lease, and hand outcomes to the completer, which writes them in batches. Sleeps until a
 * NOTIFY, a local enqueue, a freed slot or the poll interval.
 */
export function startDatabaseConsumer(options: DatabaseConsumerOptions): Consumer {
  const { db, notifier, leaseMs, pollMs, concurrency, queues, workerId, completer } = options;
  const sqlite = db.dialect === 'sqlite';
  const tasks = options.tasks === undefined ? undefined : [...new Set(options.tasks)];
  const claimStatement = createClaimQuery({ sqlite, workerId, leaseMs, queues, tasks });
  const queueList = sql.join([...queues]);
  const running = new Map<string, Running>();
  /** Claimed jobs waiting for a slot, best first, under lease like the running ones. */
  let buffer: ClaimedJob[] = [];
  /** Outcomes being written (close waits for them). */
  const recording = new Set<Promise<void>>();
  const cap = Math.max(1, Math.floor(options.batchSize));
  const smallest = Math.min(cap, concurrency);
  let batch = smallest;
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let pending = false;
  const wake = () => {
    pending = true;
    wakeUp?.();
  };
  let due = false;
  /** A job was enqueued (or became due) since the last claim. */
  let notified = false;
  const unsubscribe = notifier.subscribe((queue, isDue) => {
    if (!queues.includes(queue)) return;
    if (isDue) due = true;
    notified = true;
    wake();
  });
  /** The rank (100 - priority) of each buffered job, for merging claims into the buffer. */
  const ranks = new WeakMap<ClaimedJob, number>();
  const rankOf = (job: ClaimedJob) => ranks.get(job) ?? 100;
  /** Merges best-first claimed jobs into the best-first buffer. */
  const merge = (jobs: ClaimedJob[]): void => {
    if (jobs.length === 0) return;
    const last = buffer[buffer.length - 1];
    if (!last || rankOf(jobs[0]!) >= rankOf(last)) {
      buffer = buffer.length ? buffer.concat(jobs) : jobs;
      return;
    }
    const merged: ClaimedJob[] = [];
    let i = 0;
    let j = 0;
    while (i < buffer.length && j < jobs.length)
      merged.push(rankOf(jobs[j]!) < rankOf(buffer[i]!) ? jobs[j++]! : buffer[i++]!);
    buffer = merged.concat(buffer.slice(i), jobs.slice(j));
  };
  const emit: NonNullable<ConsumeOptions['onEvent']> = (event) => {
    try {
      options.onEvent?.(event);
    } catch {
      // An observer's failure never stops the worker.
    }
  };

  const until = () => new Date(Date.now() + leaseMs).toISOString();
  /** Refill below this many buffered jobs, so that a claim is under way before the slots run dry. */
  const lowWater = () => Math.max(concurrency, Math.floor(batch / 4));

  /**
   * Due delayed jobs (delays, retry backoffs) become queued, and jobs whose worker died are
   * queued again (or dead-lettered when that was their last attempt; a job that never started,
   * in a dead worker's buffer, lost no attempt).
   *
   * On PostgreSQL every worker process runs this, often at the same instant (a backlog due at
   * one time wakes them all), so each statement takes at most {@link MAINTAIN_ROWS} rows that
   * no other is touching (`for update skip locked`) and repeats while it finds a full batch.
   * A plain table-wide UPDATE made the others wait for the first, then re-check and lock every
   * row it had changed, including rows by then claimed and running: their completions waited
   * behind it, and four processes drained a due backlog 30x slower than one.
   */
  async function maintain(): Promise<void> {
    const now = new Date().toISOString();
    const at = sqlite ? sql`${now}` : sql`cast(${now} as timestamptz)`;
    const spent = sql`started_at is not null and attempts >= max_attempts`;
    await updateInBatches(sql`state = 'queued'`, sql`state = 'delayed' and run_at <= ${at}`);
    await updateInBatches(
      sql`state = case when ${spent} then 'failed' else 'queued' end,
        error = case when ${spent} then ${LEASE_LOST} else error end,
        finished_at = case when ${spent} then ${at} else null end,
        locked_by = null, locked_until = null`,
      sql`state = 'active' and locked_until < ${at}`,
    );
  }

  /**
   * `update … set <set>` on this worker's queues' jobs matching `where`: on SQLite in one
   * statement (one writer at a time: nothing to step around), on PostgreSQL
   * {@link MAINTAIN_ROWS} rows nobody else holds at a time, while batches come back full.
   */
  async function updateInBatches(set: ReturnType<typeof sql>, where: ReturnType<typeof sql>): Promise<void> {
    const mine = sql`${where} and queue in (${queueList})`;
    if (sqlite) {
      await sql`update ${T} set ${set} where ${mine}`.execute(db.kysely);
      return;
    }
    for (;;) {
      const result = await sql`update ${T} j set ${set}
          from (select id from ${T} where ${mine} limit ${MAINTAIN_ROWS} for update skip locked) d
          where j.id = d.id`.execute(db.kysely);
      if (Number(result.numAffectedRows ?? 0) < MAINTAIN_ROWS || stopping) return;
    }
  }

  async function claim(limit: number, below?: number): Promise<ClaimedJob[]> {
    // A worker without tasks has nothing to take.
    if (tasks?.length === 0 || queues.length === 0) return [];
    const { rows } = await claimStatement(limit, below).execute(db.kysely);
    // The attempt a job runs as: the one the completer counts when it starts.
    return rows.sort(byRank).map((row) => {
      const claimed = claimedFromRow(row, sqlite);
      const job = { ...claimed, attempt: claimed.attempt + 1 };
      ranks.set(job, 100 - Number(row.priority));
      return job;
    });
  }

  /** Records a failed run: dead-lettered, or back to the queue after the retry delay. */
  async function fail(job: ClaimedJob, error: unknown): Promise<void> {
    // Its start (the attempt) is written first.
    await completer.flush();
    const now = new Date();
    const lease = sql`id = ${Number(job.id)} and locked_by = ${workerId} and attempts = ${job.attempt} and state = 'active'`;
    const { message, stack } = describeError(error);
    // A PermanentError ends the job now, with the attempts it has left.
    const delay =
      job.attempt < job.maxAttempts && !isPermanentError(error) ? options.retryDelay(job, error) : null;
    if (delay === null) {
      await sql`update ${T} set state = 'failed', error = ${message}, stack = ${stack}, finished_at = ${now.toISOString()}, locked_by = null, locked_until = null where ${lease}`.execute(
        db.kysely,
      );
      emit({ type: 'failed', job, error });
      return;
    }
    const runAt = new Date(now.getTime() + delay);
    await sql`update ${T} set state = ${delay > 0 ? 'delayed' : 'queued'}, run_at = ${runAt.toISOString()}, error = ${message}, stack = ${stack}, locked_by = null, locked_until = null where ${lease}`.execute(
      db.kysely,
    );
    emit({ type: 'retrying', job, error, delayMs: delay });
    notifier.local(job.queue, runAt);
  }

  /**
   * Starts buffered jobs in the free slots; after a job ended (`ended`), wakes the loop to
   * claim more when the buffer runs low.
   */
  function fill(ended = false): void {
    if (stopping) return;
    let taken = 0;
    while (running.size < concurrency && taken < buffer.length) {
      start(buffer[taken]!);
      taken += 1;
    }
    // One slot at a time (the usual case) shifts, which V8 does without copying the buffer.
    if (taken === 1) buffer.shift();
    else if (taken) buffer = buffer.slice(taken);
    if (ended && buffer.length < lowWater()) wake();
  }

  function start(job: ClaimedJob): void {
    const controller = new AbortController();
    const started = Date.now();
    // The attempt is written alongside (several starts per statement, within milliseconds);
    // a job found cancelled or taken over by then is stopped.
    completer.started(job).then(
      (kept) => {
        if (!kept) controller.abort(new Error('The job was cancelled or its lease was lost'));
      },
      (error: unknown) => emit({ type: 'error', error }),
    );
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
      .then((outcome) => {
        // The slot passes straight to the next buffered job; the outcome is written meanwhile.
        running.delete(job.id);
        if (!controller.signal.aborted) {
          const record = (
            'result' in outcome ? completer.complete(job, outcome.result) : fail(job, outcome.error)
          )
            .catch((error: unknown) => emit({ type: 'error', error }))
            .finally(() => recording.delete(record));
          recording.add(record);
        }
        fill(true);
      });
    running.set(job.id, { job, controller, done });
  }

  async function heartbeat(): Promise<void> {
    const held = [...running.keys(), ...buffer.map((job) => job.id)];
    if (held.length === 0) return;
    const ids = held.map(Number);
    const { rows } = await (sqlite
      ? sql<{ id: number | string }>`update ${T} set locked_until = ${until()}
          where id in (${sql.join(ids)}) and locked_by = ${workerId} and state = 'active' returning id`
      : sql<{ id: number | string }>`update ${T} set locked_until = ${until()}
          where id = any(${`{${ids.join(',')}}`}::bigint[]) and locked_by = ${workerId} and state = 'active' returning id`
    ).execute(db.kysely);
    const kept = new Set(rows.map((r) => String(r.id)));
    const asked = new Set(held);
    // Cancelled, or the lease was lost (this process stalled past it): stop working on it.
    for (const [id, entry] of running)
      if (asked.has(id) && !kept.has(id))
        entry.controller.abort(new Error('The job was cancelled or its lease was lost'));
    buffer = buffer.filter((job) => !asked.has(job.id) || kept.has(job.id));
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
        fill();
        if (!stopping && buffer.length < lowWater()) {
          notified = false;
          const asked = batch;
          const jobs = await claim(asked);
          // Deep queue: larger batches; a short one: smaller again.
          batch = jobs.length >= asked ? Math.min(cap, batch * 2) : Math.max(smallest, Math.floor(batch / 2));
          merge(jobs);
          fill();
          if (jobs.length === asked && !stopping) continue;
        } else if (!stopping && notified && buffer.length > 0) {
          // Jobs arrived while the buffer is full: only those that beat its worst job are
          // taken (an index range that is empty unless one does), so a high-priority job
          // starts at the next free slot instead of behind the buffer.
          notified = false;
          const worst = rankOf(buffer[buffer.length - 1]!);
          if (worst > 0) {
            merge(await claim(batch, worst));
            fill();
          }
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

  /**
   * Hands jobs back to the queue: a buffered one as it was, a started one with its attempt
   * uncounted (it did not finish).
   */
  async function release(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await sql`update ${T} set state = 'queued', attempts = case when started_at is null then attempts else attempts - 1 end,
        locked_by = null, locked_until = null, started_at = null
      where id in (${sql.join(ids)}) and locked_by = ${workerId} and state = 'active'`.execute(db.kysely);
  }

  let closing: Promise<void> | undefined;
  async function close(timeoutMs: number): Promise<void> {
    stopping = true;
    wakeUp?.();
    await looping;
    // Jobs still in the buffer go back at once, for other workers.
    const unstarted = buffer;
    buffer = [];
    try {
      await release(unstarted.map((job) => Number(job.id)));
      for (const queue of new Set(unstarted.map((job) => job.queue)))
        await notifier.notify(db, queue).catch(() => undefined);
    } catch (error) {
      // They come back after the lease.
      emit({ type: 'error', error });
    }
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
    await Promise.all([...recording]);
    await completer.flush();
    clearInterval(beat);
    unsubscribe();
    if (running.size === 0) return;
    // Still running past the timeout: hand them back (this attempt does not count).
    const ids = [...running.keys()].map(Number);
    const released = new Set([...running.values()].map((r) => r.job.queue));
    for (const entry of running.values()) entry.controller.abort(new Error('The worker is shutting down'));
    await release(ids);
    for (const queue of released) await notifier.notify(db, queue).catch(() => undefined);
  }

  return {
    close(closeOptions = {}) {
      closing ??= close(closeOptions.timeoutMs ?? 30_000);
      return closing;
    },
  };
}
