import { type Database, sql } from '../../../db/index.js';
import type { ClaimedJob } from '../../job.js';
import { claimedFromRow, type JobRow, writeJson } from './rows.js';

/** A completed job to record, and how many jobs to claim for the slots its consumer frees. */
export interface Completion {
  job: ClaimedJob;
  result: unknown;
  /** Jobs to claim in the same statement (0 when the consumer is stopping). */
  claim: number;
}

/** Builds the claim statement of up to `limit` jobs of `queues` (see the consumer). */
export type ClaimQuery = (
  queues: readonly string[],
  limit: number,
  now: string,
) => ReturnType<typeof sql<JobRow>>;

/**
 * Records completions on PostgreSQL, several per statement: completions asked for in the same
 * turn of the event loop (by this backend's consumers of the same queues) become one UPDATE
 * over all of them, and the claims of the slots they free one `SKIP LOCKED` claim, in the same
 * statement. Several workers in one process then share a round trip per turn instead of
 * paying one per job; a lone completion waits for nothing more than the current turn.
 */
export interface Completer {
  complete(queues: readonly string[], completion: Completion): Promise<ClaimedJob[]>;
}

interface Pending extends Completion {
  resolve(jobs: ClaimedJob[]): void;
  reject(error: unknown): void;
}

const T = sql.raw('basalt_job');

export function createCompleter(options: {
  db: Database;
  workerId: string;
  claimQuery: ClaimQuery;
}): Completer {
  const { db, workerId, claimQuery } = options;
  const batches = new Map<string, { queues: readonly string[]; pending: Pending[] }>();
  let scheduled = false;

  async function flush(queues: readonly string[], pending: Pending[]): Promise<void> {
    const now = new Date().toISOString();
    const ids = pending.map((p) => Number(p.job.id));
    const attempts = pending.map((p) => p.job.attempt);
    const results = pending.map((p) => writeJson(p.result));
    const wanted = pending.reduce((sum, p) => sum + p.claim, 0);
    // Each finished job is matched with the lease it ran under (worker and attempt), as one
    // completion alone would be: a job taken over by another worker is not overwritten.
    // (A lone completion keeps the plain statement, which PostgreSQL plans faster.)
    const done =
      pending.length === 1
        ? sql`update ${T} j set state = 'completed', result = ${results[0]}, finished_at = ${now}, locked_by = null, locked_until = null
            where j.id = ${ids[0]} and j.locked_by = ${workerId} and j.attempts = ${attempts[0]} and j.state = 'active'`
        : sql`with v as (select * from unnest(${ids}::bigint[], ${attempts}::int[], ${results}::text[]) as v(id, attempts, result))
            update ${T} j set state = 'completed', result = v.result::jsonb, finished_at = ${now}, locked_by = null, locked_until = null
            from v where j.id = v.id and j.locked_by = ${workerId} and j.attempts = v.attempts and j.state = 'active'`;
    const query =
      wanted > 0
        ? sql<JobRow>`with done as (${done} returning j.id), next as (${claimQuery(queues, wanted, now)}) select * from next`
        : done;
    const { rows } = await query.execute(db.kysely);
    const claimed = (rows as JobRow[]).map((row) => claimedFromRow(row, false));
    let at = 0;
    for (const p of pending) {
      p.resolve(claimed.slice(at, at + p.claim));
      at += p.claim;
    }
  }

  function run(): void {
    scheduled = false;
    const all = [...batches.values()];
    batches.clear();
    for (const { queues, pending } of all)
      flush(queues, pending).catch((error: unknown) => {
        for (const p of pending) p.reject(error);
      });
  }

  return {
    complete(queues, completion) {
      return new Promise<ClaimedJob[]>((resolve, reject) => {
        const key = queues.join('\n');
        let batch = batches.get(key);
        if (!batch) {
          batch = { queues, pending: [] };
          batches.set(key, batch);
        }
        batch.pending.push({ ...completion, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(run);
        }
      });
    },
  };
}
