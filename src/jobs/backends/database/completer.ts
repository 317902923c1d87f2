import { type Database, sql } from '../../../db/index.js';
import type { ClaimedJob } from '../../job.js';
import { writeJson } from './rows.js';

/**
 * Records what a backend's workers did, several jobs per statement: the jobs that started
 * (their attempt counted, `started_at` set) and the jobs that completed. One flush at a time:
 * what arrives while a flush is under way waits for the next one, which starts as soon as it
 * returns, so a busy process writes hundreds of outcomes per statement and an idle one
 * writes each at once (no timer). Starts are written before completions of the same flush.
 */
export interface Completer {
  /**
   * Counts the attempt of a job that starts now; resolves once written with whether it is
   * still this worker's (false: cancelled while it waited in the buffer, or its lease taken
   * over). The job does not wait for it: a crash in between (milliseconds) does not count
   * that run, and the job runs again as one that never started.
   */
  started(job: ClaimedJob): Promise<boolean>;
  /** Records a completed job; resolves once it is written. */
  complete(job: ClaimedJob, result: unknown): Promise<void>;
  /** Resolves once everything handed over so far is written. */
  flush(): Promise<void>;
}

interface Start {
  job: ClaimedJob;
  resolve(kept: boolean): void;
  reject(error: unknown): void;
}

interface Done {
  job: ClaimedJob;
  result: unknown;
  resolve(): void;
  reject(error: unknown): void;
}

const T = sql.raw('basalt_job');
/** Rows per statement (3 parameters each for a completion: under SQLite's and PostgreSQL's limits). */
const MAX_ROWS = 1000;

export function createCompleter(options: { db: Database; workerId: string }): Completer {
  const { db, workerId } = options;
  const sqlite = db.dialect === 'sqlite';
  const starts: Start[] = [];
  const done: Done[] = [];
  const waiting: { resolve(): void }[] = [];
  let flushing = false;
  let scheduled = false;

  async function writeStarts(batch: Start[]): Promise<void> {
    const now = new Date().toISOString();
    const ids = batch.map((s) => Number(s.job.id));
    const { rows } = sqlite
      ? await sql<{ id: number | string }>`update ${T} set attempts = attempts + 1, started_at = ${now}
          where id in (${sql.join(ids)}) and locked_by = ${workerId} and state = 'active' and started_at is null returning id`.execute(
          db.kysely,
        )
      : await sql<{ id: number | string }>`update ${T} set attempts = attempts + 1, started_at = ${now}
          where id = any(${ids}::bigint[]) and locked_by = ${workerId} and state = 'active' and started_at is null returning id`.execute(
          db.kysely,
        );
    const kept = new Set(rows.map((r) => String(r.id)));
    for (const s of batch) s.resolve(kept.has(s.job.id));
  }

  async function writeDone(batch: Done[]): Promise<void> {
    const now = new Date().toISOString();
    // Each job is matched with the lease it ran under (worker and attempt): a job taken over
    // by another worker is not overwritten.
    if (sqlite) {
      const values = batch.map((d) => sql`(${Number(d.job.id)}, ${d.job.attempt}, ${writeJson(d.result)})`);
      await sql`update ${T} set state = 'completed', result = v.column3, finished_at = ${now}, locked_by = null, locked_until = null
        from (values ${sql.join(values)}) as v
        where ${T}.id = v.column1 and ${T}.attempts = v.column2 and ${T}.locked_by = ${workerId} and ${T}.state = 'active'`.execute(
        db.kysely,
      );
      return;
    }
    const ids = batch.map((d) => Number(d.job.id));
    const attempts = batch.map((d) => d.job.attempt);
    const results = batch.map((d) => writeJson(d.result));
    await sql`update ${T} j set state = 'completed', result = v.result::jsonb, finished_at = ${now}, locked_by = null, locked_until = null
      from unnest(${ids}::bigint[], ${attempts}::int[], ${results}::text[]) as v(id, attempts, result)
      where j.id = v.id and j.locked_by = ${workerId} and j.attempts = v.attempts and j.state = 'active'`.execute(
      db.kysely,
    );
  }

  async function run(): Promise<void> {
    scheduled = false;
    if (flushing) return;
    flushing = true;
    try {
      while (starts.length || done.length) {
        const s = starts.splice(0, MAX_ROWS);
        const d = starts.length ? [] : done.splice(0, MAX_ROWS);
        const settled = starts.length || done.length ? [] : waiting.splice(0);
        try {
          if (s.length) await writeStarts(s);
        } catch (error) {
          // Their attempts stay uncounted; their completions below do not match (a lease check).
          for (const x of s) x.reject(error);
        }
        try {
          if (d.length) await writeDone(d);
          for (const x of d) x.resolve();
        } catch (error) {
          for (const x of d) x.reject(error);
        }
        for (const w of settled) w.resolve();
      }
    } finally {
      flushing = false;
      for (const w of waiting.splice(0)) w.resolve();
    }
  }

  function schedule(): void {
    if (scheduled || flushing) return;
    scheduled = true;
    setImmediate(() => {
      void run();
    });
  }

  return {
    started(job) {
      return new Promise<boolean>((resolve, reject) => {
        starts.push({ job, resolve, reject });
        schedule();
      });
    },
    complete(job, result) {
      return new Promise<void>((resolve, reject) => {
        done.push({ job, result, resolve, reject });
        schedule();
      });
    },
    flush() {
      if (!starts.length && !done.length && !flushing) return Promise.resolve();
      return new Promise<void>((resolve) => {
        waiting.push({ resolve });
        schedule();
      });
    },
  };
}
