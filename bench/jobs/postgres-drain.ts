// PostgreSQL drain on a freshly vacuumed table: 5,000 no-op jobs (BENCH_JOBS) enqueued with
// enqueueMany, then 1 and 4 workers (one job at a time each) in this process; jobs/s, this
// process's CPU per job and, when PostgreSQL runs on this host, the CPU its backends serving
// the workers spent per job (read from /proc: the figure a shared machine's load moves least).
// Where bench/jobs/run.ts's drain follows phases that leave dead rows behind.
//
//   node --conditions=basalt-source --import tsx bench/jobs/postgres-drain.ts
import { readFileSync } from 'node:fs';
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
const APP_NAME = `bench_drain_${process.pid}`;
const test = await createTestDatabase({
  models: [JobModel, JobScheduleModel],
  url: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
});
// The workers' connections carry a name of their own, so their backends can be found.
const workerUrl = new URL(test.url);
workerUrl.searchParams.set('application_name', APP_NAME);
const backend = databaseBackend({ db: test.db, url: workerUrl.toString() });
let handled = 0;
const noop = defineTask('noop', { input: t.Object({ n: t.Integer() }), retries: 0 }, () => {
  handled++;
  return null;
});
const jobs = createJobs({ backend, tasks: [noop], bind: false, db: test.db });
const N = Number(process.env.BENCH_JOBS ?? 5000);

/** CPU seconds of the backends serving the workers (by pid), when /proc shows them. */
async function backendCpu(): Promise<Map<number, number>> {
  const { rows } = await sql<{
    pid: number;
  }>`select pid from pg_stat_activity where application_name = ${APP_NAME}`.execute(test.db.kysely);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // PostgreSQL on another host: no figure.
    }
  }
  return cpu;
}

for (const workers of [1, 4, 1, 4]) {
  await sql`delete from basalt_job`.execute(test.db.kysely);
  await jobs.enqueueMany(
    noop,
    Array.from({ length: N }, () => ({ n: 1 })),
  );
  await sql`vacuum analyze basalt_job`.execute(test.db.kysely);
  handled = 0;
  const before = await backendCpu();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const list = Array.from({ length: workers }, () => createWorker(jobs, { log, concurrency: 1 }));
  while (handled < N) await new Promise((r) => setTimeout(r, 5));
  await Promise.all(list.map((w) => w.stop()));
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  let pgSeconds = 0;
  for (const [pid, seconds] of await backendCpu()) pgSeconds += seconds - (before.get(pid) ?? 0);
  console.log(
    `${workers} workers drain ${(N / (ms / 1000)).toFixed(0)}/s node µs/job ${((c.user + c.system) / N).toFixed(0)} node cpu ${(((c.user + c.system) / 1000 / ms) * 100).toFixed(0)}% postgres µs/job ${((pgSeconds * 1e6) / N).toFixed(0)}`,
  );
}
await backend.close();
await test.close();
process.exit(0);
