// A worker process of bench/jobs/run.ts --processes: what `basalt worker` runs, on the bench's
// queue. Started by run.ts over IPC: 'go' starts `workers` workers (one job at a time each),
// 'stop' stops them, 'exit' closes; the number of jobs handled goes back every 10 ms.
//
//   BENCH_BACKEND=postgres|sqlite|redis BENCH_URL=... BENCH_QUEUE=... [BENCH_PREFIX=...] BENCH_WORKERS=N
import { pino } from 'pino';
import { createDatabase, type Database } from '../../src/db/index.js';
import { t } from '../../src/http/index.js';
import {
  createJobs,
  createWorker,
  databaseBackend,
  defineTask,
  JobModel,
  JobScheduleModel,
  type JobsBackend,
  loadRedisBackend,
  type Worker,
} from '../../src/jobs/index.js';

const kind = process.env.BENCH_BACKEND ?? 'postgres';
const url = process.env.BENCH_URL ?? '';
const queue = process.env.BENCH_QUEUE ?? 'bench';
const workers = Number(process.env.BENCH_WORKERS ?? 1);
const log = pino({ level: 'silent' });

let db: Database | undefined;
let backend: JobsBackend;
if (kind === 'redis') backend = await loadRedisBackend({ url, prefix: process.env.BENCH_PREFIX ?? 'basalt' });
else {
  db = createDatabase({ url, models: [JobModel, JobScheduleModel] }) as unknown as Database;
  backend = databaseBackend({ db, ...(kind === 'postgres' ? { url } : {}) });
}
let handled = 0;
const noop = defineTask(
  'bench-noop',
  { input: t.Object({ n: t.Integer() }), retries: 0, queue },
  async () => {
    handled += 1;
    return null;
  },
);
const jobs = createJobs({ backend, tasks: [noop], bind: false, ...(db ? { db } : {}) });
let running: Worker[] = [];
let reported = -1;
const report = setInterval(() => {
  if (handled !== reported) process.send?.({ handled });
  reported = handled;
}, 10);

process.on('message', async (message: string) => {
  if (message === 'go') {
    running = Array.from({ length: workers }, () => createWorker(jobs, { log, concurrency: 1 }));
    process.send?.('started');
  } else if (message === 'stop') {
    await Promise.all(running.map((w) => w.stop()));
    running = [];
    process.send?.({ handled });
    process.send?.('stopped');
  } else if (message === 'exit') {
    clearInterval(report);
    await jobs.close();
    await db?.close();
    process.exit(0);
  }
});
// The bench process is gone (it exited or was killed): so is this one.
process.on('disconnect', () => process.exit(0));
process.send?.('ready');
