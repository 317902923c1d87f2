import { databaseBackend, JobModel, JobScheduleModel } from 'basalt/jobs';
import { createTestDatabase } from 'basalt/testing';
import { describe } from 'vitest';
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
});
