// PostgreSQL drain on a freshly vacuumed table: 5,000 no-op jobs enqueued with enqueueMany,
// then 1 and 4 workers (one job at a time each) in this process; jobs/s and this process's
// CPU per job. Where bench/jobs/run.ts's drain follows phases that leave dead rows behind.
//
//   node --conditions=basalt-source --import tsx bench/jobs/postgres-drain.ts
import { pino } from 'pino';
import { sql } from '../../src/db/index.js';
import { t } from '../../src/http/index.js';
import {
  createJobs,
  createWorker,
  databaseBackend,
  defineTask,
  JobModel,
  JobScheduleModel,
} from '../../src/jobs/index.js';
import { createTestDatabase } from '../../src/testing/index.js';

const log = pino({ level: 'silent' });
const test = await createTestDatabase({
  models: [JobModel, JobScheduleModel],
  url: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
});
const backend = databaseBackend({ db: test.db, url: test.url });
let handled = 0;
const noop = defineTask('noop', { input: t.Object({ n: t.Integer() }), retries: 0 }, () => {
  handled++;
  return null;
});
const jobs = createJobs({ backend, tasks: [noop], bind: false, db: test.db });
const N = 5000;
for (const workers of [1, 4, 1, 4]) {
  await sql`delete from basalt_job`.execute(test.db.kysely);
  await jobs.enqueueMany(
    noop,
    Array.from({ length: N }, () => ({ n: 1 })),
  );
  await sql`vacuum analyze basalt_job`.execute(test.db.kysely);
  handled = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const list = Array.from({ length: workers }, () => createWorker(jobs, { log, concurrency: 1 }));
  while (handled < N) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  await Promise.all(list.map((w) => w.stop()));
  console.log(
    `${workers} workers drain ${(N / (ms / 1000)).toFixed(0)}/s node µs/job ${((c.user + c.system) / N).toFixed(0)} node cpu ${(((c.user + c.system) / 1000 / ms) * 100).toFixed(0)}%`,
  );
}
await backend.close();
await test.close();
process.exit(0);
