import { sql } from 'basalt/db';
import { t } from 'basalt/http';
import {
  createJobs,
  createWorker,
  databaseBackend,
  defineTask,
  JobModel,
  JobScheduleModel,
} from 'basalt/jobs';
import { createTestDatabase } from 'basalt/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { eventually, runBackendContract } from './backend.contract.js';

describe.runIf(hasPostgres)('PostgreSQL', () => {
  runBackendContract('database on PostgreSQL', async () => {
    const test = await createTestDatabase({ models: [JobModel, JobScheduleModel], url: POSTGRES_URL });
    // A long poll interval: wake-ups must come from LISTEN/NOTIFY, not from polling.
    const backend = databaseBackend({ db: test.db, url: test.url, pollMs: 5_000, leaseMs: 2000 });
    return {
      backend,
      db: test.db,
      async close() {
        await backend.close();
        await test.close();
      },
    };
  });

  describe('enqueues outside a transaction', () => {
    const text = defineTask('pg-text', { input: t.Object({ s: t.String() }) }, () => null);

    async function setup() {
      const test = await createTestDatabase({ models: [JobModel, JobScheduleModel], url: POSTGRES_URL });
      const backend = databaseBackend({ db: test.db, url: test.url });
      const jobs = createJobs({ backend, tasks: [text], bind: false, db: test.db });
      return {
        test,
        jobs,
        /** The transaction that inserted each job. */
        async xmins() {
          const { rows } = await sql<{
            x: string;
          }>`select xmin::text as x from basalt_job order by id`.execute(test.db.kysely);
          return rows.map((r) => r.x);
        },
        async close() {
          await jobs.close();
          await test.close();
        },
      };
    }

    it('share one INSERT when made in the same turn, and separate ones otherwise', async () => {
      const s = await setup();
      try {
        await Promise.all(Array.from({ length: 20 }, (_, i) => s.jobs.enqueue(text, { s: `${i}` })));
        expect(new Set(await s.xmins()).size).toBe(1);
        await s.jobs.enqueue(text, { s: 'a' });
        await s.jobs.enqueue(text, { s: 'b' });
        expect(new Set(await s.xmins()).size).toBe(3);
        // With an idempotency key, or in a transaction, a job goes alone.
        await Promise.all([
          s.jobs.enqueue(text, { s: 'c' }, { idempotencyKey: 'c' }),
          s.jobs.enqueue(text, { s: 'd' }, { idempotencyKey: 'd' }),
        ]);
        expect(new Set(await s.xmins()).size).toBe(5);
      } finally {
        await s.close();
      }
    });

    it('fail alone when the database refuses one of them', async () => {
      const s = await setup();
      try {
        // PostgreSQL's jsonb refuses \u0000: that job fails, the others of its turn are added.
        const results = await Promise.allSettled(
          ['a', 'b\u0000', 'c'].map((value) => s.jobs.enqueue(text, { s: value })),
        );
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const kept = await s.jobs.list({ task: text.name });
        expect(
          kept.map((j) => j.input).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        ).toEqual([{ s: 'a' }, { s: 'c' }]);
      } finally {
        await s.close();
      }
    });
  });

  describe('maintenance', () => {
    const due = defineTask('pg-due', { input: t.Object({ n: t.Integer() }) }, ({ input }) => input.n);

    // Every worker process promotes due jobs and reclaims lost leases. A row that another
    // transaction holds (a second worker at the same statement, an admin's edit) must hold back
    // only itself: a table-wide UPDATE waited for it, and with it every due job of the queue.
    it('promotes due jobs and reclaims lost leases past rows another transaction holds', async () => {
      const test = await createTestDatabase({ models: [JobModel, JobScheduleModel], url: POSTGRES_URL });
      const backend = databaseBackend({ db: test.db, url: test.url, pollMs: 50, leaseMs: 2000 });
      const jobs = createJobs({ backend, tasks: [due], bind: false, db: test.db });
      try {
        const handles = await jobs.enqueueMany(
          due,
          [1, 2, 3, 4, 5].map((n) => ({ n })),
          { runAt: new Date(Date.now() + 200) },
        );
        const ids = handles.map((h) => Number(h.id));
        // Jobs 4 and 5: taken by a worker that died (their lease ran out).
        await sql`update basalt_job set state = 'active', locked_by = 'gone', locked_until = now() - interval '1 minute', run_at = now()
          where id in (${ids[3]!}, ${ids[4]!})`.execute(test.db.kysely);
        const state = async (id: number) =>
          (
            await sql<{ state: string }>`select state from basalt_job where id = ${id}`.execute(
              test.db.kysely,
            )
          ).rows[0]?.state;
        await test.db.transaction(async (tx) => {
          // Another transaction holds job 1 (due) and job 4 (lease lost).
          await sql`select id from basalt_job where id in (${ids[0]!}, ${ids[3]!}) for update`.execute(
            tx.kysely,
          );
          const worker = createWorker(jobs, { concurrency: 2, log: pino({ level: 'silent' }) });
          try {
            for (const id of [ids[1]!, ids[2]!, ids[4]!])
              await eventually(async () => ((await state(id)) === 'completed' ? true : undefined), 5000);
            expect(await state(ids[0]!)).toBe('delayed');
            expect(await state(ids[3]!)).toBe('active');
          } finally {
            await worker.stop();
          }
        });
        // Released, they run too.
        const worker = createWorker(jobs, { concurrency: 2, log: pino({ level: 'silent' }) });
        try {
          expect(await handles[0]!.result()).toBe(1);
          expect(await handles[3]!.result()).toBe(4);
        } finally {
          await worker.stop();
        }
      } finally {
        await jobs.close();
        await test.close();
      }
    });
  });
});
