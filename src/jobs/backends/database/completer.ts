import { type Database, sql } from '../../../db/index.js';
import type { ClaimedJob } from '../../job.js';
import { writeJson } from './rows.js';

/**
 * Records what a backend's workers did, several jobs per statement: the jobs that started
 * (their attempt counted, `started_at` set) and the jobs that completed. One flush at a time:
 * what arrives while a flush is under way waits for the next one, which starts as soon as it
 * returns, so a busy process writes hundreds of outcomes per statement and an idle one
 * writes each at once (no timer). A job that started and completed within one flush is
 * written once, start and outcome together.
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
/** Rows per statement (4 parameters each for a completion on SQLite: well under its limit). */
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
          where id = any(${`{${ids.join(',')}}`}::bigint[]) and locked_by = ${workerId} and state = 'active' and started_at is null returning id`.execute(
          db.kysely,
        );
    const kept = new Set(rows.map((r) => String(r.id)));
    for (const s of batch) s.resolve(kept.has(s.job.id));
  }

  /**
   * Completions, one statement. A job whose start is in the same flush (it started and
   * finished since the last write: every short job of a busy worker) has both written at once:
   * its attempt counted, `started_at` set and its outcome, one row version instead of two.
   * Each job is matched with the lease it ran under (worker and attempt): a job taken over by
   * another worker is not overwritten. Resolves with the ids written.
   */
  async function writeDone(batch: Done[], fresh: ReadonlySet<string>): Promise<Set<string>> {
    const now = new Date().toISOString();
    if (sqlite) {
      const values = batch.map(
        (d) =>
          sql`(${Number(d.job.id)}, ${d.job.attempt}, ${writeJson(d.result)}, ${fresh.has(d.job.id) ? 1 : 0})`,
      );
      const { rows } = await sql<{
        id: number | string;
      }>`update ${T} set state = 'completed', result = v.column3, finished_at = ${now},
          attempts = v.column2, started_at = case when v.column4 = 1 then ${now} else ${T}.started_at end, locked_by = null, locked_until = null
        from (values ${sql.join(values)}) as v
        where ${T}.id = v.column1 and ${T}.attempts = v.column2 - v.column4 and (v.column4 = 0 or ${T}.started_at is null)
          and ${T}.locked_by = ${workerId} and ${T}.state = 'active' returning ${T}.id`.execute(db.kysely);
      return new Set(rows.map((r) => String(r.id)));
    }
    // One JSON parameter (jsonb_to_recordset): serialised natively, and the results go in
    // as jsonb without a text round trip.
    const rowsJson = JSON.stringify(
      batch.map((d) => ({
        id: Number(d.job.id),
        attempts: d.job.attempt,
        result: d.result === undefined ? null : d.result,
        fresh: fresh.has(d.job.id),
      })),
    );
    const { rows } = await sql<{
      id: number | string;
    }>`update ${T} j set state = 'completed', result = v.result, finished_at = ${now},
        attempts = v.attempts, started_at = case when v.fresh then ${now}::timestamptz else j.started_at end, locked_by = null, locked_until = null
      from jsonb_to_recordset(${rowsJson}::jsonb) as v(id bigint, attempts int, result jsonb, fresh boolean)
      where j.id = v.id and j.attempts = v.attempts - v.fresh::int and (not v.fresh or j.started_at is null)
        and j.locked_by = ${workerId} and j.state = 'active' returning j.id`.execute(db.kysely);
    return new Set(rows.map((r) => String(r.id)));
  }

  async function run(): Promise<void> {
    scheduled = false;
    if (flushing) return;
    flushing = true;
    try {
      while (starts.length || done.length) {
        const s = starts.splice(0, MAX_ROWS);
        // A completion whose start waits for a later statement waits with it.
        const later = new Set(starts.map((x) => x.job.id));
        let d: Done[];
        if (later.size === 0) d = done.splice(0, MAX_ROWS);
        else {
          d = done.filter((x) => !later.has(x.job.id)).slice(0, MAX_ROWS);
          const taken = new Set(d);
          done.splice(0, done.length, ...done.filter((x) => !taken.has(x)));
        }
        const finishing = new Set(d.map((x) => x.job.id));
        const alone = s.filter((x) => !finishing.has(x.job.id));
        const withOutcome = s.filter((x) => finishing.has(x.job.id));
        const settled = starts.length || done.length ? [] : waiting.splice(0);
        try {
          if (alone.length) await writeStarts(alone);
        } catch (error) {
          // Their attempts stay uncounted; their completions do not match (a lease check).
          for (const x of alone) x.reject(error);
        }
        try {
          const written = d.length
            ? await writeDone(d, new Set(withOutcome.map((x) => x.job.id)))
            : new Set();
          for (const x of withOutcome) x.resolve(written.has(x.job.id));
          for (const x of d) x.resolve();
        } catch (error) {
          for (const x of withOutcome) x.reject(error);
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
