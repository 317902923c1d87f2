import { createApp } from 'basalt';
import { sql } from 'basalt/db';
import { createWorker, getJobs } from 'basalt/jobs';
import { createTestClient } from 'basalt/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { eventually } from './backend.contract.js';
import { jobsApp, nap } from './fixtures/app.js';

const log = pino({ level: 'silent' });

describe('JOBS_BATCH_SIZE', () => {
  it.each(['0', '1001', 'many', '2.5'])('refuses %s at start-up, naming the setting', async (value) => {
    const error = await createApp(jobsApp, {
      envFile: false,
      env: { NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', JOBS_BATCH_SIZE: value },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BASALT_CONFIG_INVALID' });
    expect(String((error as Error).message)).toMatch(/JOBS_BATCH_SIZE/);
  });

  // PostgreSQL: a claim is one statement, so the rows it leased carry its transaction id
  // (xmin) until they start.
  it.runIf(hasPostgres)('bounds the jobs one claim takes (PostgreSQL)', async () => {
    const client = await createTestClient(jobsApp, {
      database: { url: POSTGRES_URL },
      env: { JOBS_BATCH_SIZE: '3', JOBS_LEASE: '60000' },
    });
    const jobs = await getJobs(client.app);
    const worker = createWorker(jobs, { concurrency: 8, log, statsInterval: 0, shutdownTimeout: 0 });
    try {
      await jobs.enqueueMany(
        nap,
        Array.from({ length: 60 }, () => ({ ms: 60_000 })),
      );
      const count = async (where: string) => {
        const { rows } = await sql<{
          n: number | string;
        }>`select count(*) as n from basalt_job where ${sql.raw(where)}`.execute(client.db!.kysely);
        return Number(rows[0]!.n);
      };
      // Eight running (their starts written), at least eight more buffered.
      await eventually(
        async () =>
          (await count("state = 'active' and started_at is not null")) === 8 &&
          (await count("state = 'active' and started_at is null")) >= 8,
      );
      const { rows } = await sql<{
        n: number | string;
      }>`select count(*) as n from basalt_job where state = 'active' and started_at is null group by xmin::text`.execute(
        client.db!.kysely,
      );
      const claims = rows.map((r) => Number(r.n));
      expect(claims.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...claims)).toBeLessThanOrEqual(3);
    } finally {
      await worker.stop();
      await client.close();
    }
  });
});
