import { sql } from 'basalt/db';
import { t } from 'basalt/http';
import { createJobs, databaseBackend, defineTask, JobModel, JobScheduleModel } from 'basalt/jobs';
import { createTestDatabase } from 'basalt/testing';
import { describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { runBackendContract } from './backend.contract.js';

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
});
