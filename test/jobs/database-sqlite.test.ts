import { databaseBackend, JobModel, JobScheduleModel } from 'basalt/jobs';
import { createTestDatabase } from 'basalt/testing';
import { runBackendContract } from './backend.contract.js';

runBackendContract('database on SQLite', async () => {
  const test = await createTestDatabase({ models: [JobModel, JobScheduleModel] });
  const backend = databaseBackend({ db: test.db, pollMs: 50, leaseMs: 2000 });
  return {
    backend,
    db: test.db,
    async close() {
      await backend.close();
      await test.close();
    },
  };
});
