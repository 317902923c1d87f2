import { randomUUID } from 'node:crypto';
import { JobModel, JobScheduleModel, loadRedisBackend } from 'basalt/jobs';
import { createTestDatabase } from 'basalt/testing';
import { describe } from 'vitest';

import { hasRedis, REDIS_URL } from '../support/redis.js';
import { runBackendContract } from './backend.contract.js';
import { dropPrefix } from './support.js';

describe.runIf(hasRedis)('Redis', () => {
  runBackendContract('Redis (BullMQ)', async () => {
    const prefix = `basalt-jobs-test-${randomUUID().slice(0, 8)}`;
    // Transactional enqueue on Redis means after commit: a database still runs the transaction.
    const test = await createTestDatabase({ models: [JobModel, JobScheduleModel] });
    const backend = await loadRedisBackend({ url: REDIS_URL, prefix, leaseMs: 2000 });
    return {
      backend,
      db: test.db,
      async close() {
        await backend.close();
        await test.close();
        await dropPrefix(prefix);
      },
    };
  });
});
