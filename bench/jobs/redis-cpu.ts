// CPU per job of Basalt on Redis next to BullMQ used directly: this process's CPU time (user +
// system) per job, enqueueing N no-op jobs one by one (16 calls in flight) and in bulk (100 per
// call), then draining them with 1 worker. CPU per job moves much less than jobs/s on a shared
// machine, so it shows where Basalt's own work goes; the two alternate, R rounds, medians.
// "both": enqueued one by one while the workers run (bench:jobs's enqueue-and-process row).
// --workers W: the drain with W workers (one job at a time each), as bench/jobs/run.ts's rows.
//
//   node --conditions=basalt-source --import tsx bench/jobs/redis-cpu.ts [--jobs N] [--rounds R] [--workers W] [--only enqueue|bulk|drain|both] [--side raw|basalt]
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker as BullWorker, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { t } from '../../src/http/index.js';
import { createJobs, createWorker, defineTask, loadRedisBackend } from '../../src/jobs/index.js';

const { values: flags } = parseArgs({
  options: {
    jobs: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1' },
    only: { type: 'string', multiple: true },
    /** One side only (raw or basalt): for a CPU profile of that side alone. */
    side: { type: 'string' },
  },
});
const N = Number(flags.jobs);
const ROUNDS = Number(flags.rounds);
const WORKERS = Number(flags.workers);
const PHASES = flags.only ?? ['enqueue', 'bulk', 'drain', 'both'];
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `basalt-bench-cpu-${randomUUID().slice(0, 8)}`;
const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Side {
  name: string;
  enqueue(): Promise<unknown>;
  enqueueBulk(n: number): Promise<unknown>;
  /** Starts WORKERS workers, resolves when `n` jobs ran, stops them. */
  drain(n: number): Promise<void>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

function rawSide(): Side {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const name = `raw-${randomUUID().slice(0, 8)}`;
  // The connections Basalt's Redis backend has: one for enqueueing, one its workers share.
  const queueConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection: queueConnection, prefix });
  let done = 0;
  return {
    name: 'BullMQ (raw)',
    enqueue: () => queue.add('noop', { n: 1 }, { attempts: 1 }),
    enqueueBulk: (n) =>
      queue.addBulk(
        Array.from({ length: n }, () => ({ name: 'noop', data: { n: 1 }, opts: { attempts: 1 } })),
      ),
    async drain(n) {
      done = 0;
      const workers = Array.from({ length: WORKERS }, () => {
        const worker = new BullWorker(name, async () => null, { connection, prefix, concurrency: 1 });
        worker.on('completed', () => {
          done += 1;
        });
        return worker;
      });
      while (done < n) await sleep(2);
      await Promise.all(workers.map((w) => w.close()));
    },
    clear: () => queue.obliterate({ force: true }),
    async close() {
      await queue.close();
      await connection.quit();
      await queueConnection.quit();
    },
  };
}

async function basaltSide(): Promise<Side> {
  const backend = await loadRedisBackend({ url: REDIS_URL, prefix });
  let done = 0;
  const noop = defineTask(
    'noop',
    { input: t.Object({ n: t.Integer() }), retries: 0, queue: `basalt-${randomUUID().slice(0, 8)}` },
    async () => {
      done += 1;
      return null;
    },
  );
  const jobs = createJobs({ backend, tasks: [noop], bind: false });
  const queue = new Queue(noop.queue, { connection: new Redis(REDIS_URL), prefix });
  return {
    name: 'Basalt on Redis',
    enqueue: () => jobs.enqueue(noop, { n: 1 }),
    enqueueBulk: (n) =>
      jobs.enqueueMany(
        noop,
        Array.from({ length: n }, () => ({ n: 1 })),
      ),
    async drain(n) {
      done = 0;
      const workers = Array.from({ length: WORKERS }, () =>
        createWorker(jobs, { log, concurrency: 1, statsInterval: 0 }),
      );
      while (done < n) await sleep(2);
      await Promise.all(workers.map((w) => w.stop()));
    },
    clear: () => queue.obliterate({ force: true }),
    async close() {
      await queue.close();
      await jobs.close();
    },
  };
}

/** Redis's own CPU so far, µs (user + system, from INFO). */
const info = new Redis(REDIS_URL);
async function redisCpu(): Promise<number> {
  const text = await info.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** µs of this process's CPU and of Redis's per job, and jobs/s, of `run`. */
async function timed(
  n: number,
  run: () => Promise<unknown>,
): Promise<{ cpu: number; redis: number; rate: number }> {
  const server = await redisCpu();
  const cpu = process.cpuUsage();
  const begin = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  const rate = n / ((performance.now() - begin) / 1000);
  return { cpu: (used.user + used.system) / n, redis: ((await redisCpu()) - server) / n, rate };
}

async function oneByOne(side: Side, n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        next += 1;
        await side.enqueue();
      }
    }),
  );
}

async function bulk(side: Side, n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < n) {
        const size = Math.min(100, n - next);
        next += size;
        await side.enqueueBulk(size);
      }
    }),
  );
}

const sides = [
  ...(flags.side === 'basalt' ? [] : [rawSide()]),
  ...(flags.side === 'raw' ? [] : [await basaltSide()]),
];
const results = new Map<string, { cpu: number; redis: number; rate: number }[]>();
const record = (key: string, value: { cpu: number; redis: number; rate: number }) => {
  results.set(key, [...(results.get(key) ?? []), value]);
};
// Warm-up: JIT, connections, scripts loaded.
for (const side of sides) {
  await oneByOne(side, 500);
  await side.drain(500);
  await side.clear();
}
for (let round = 0; round < ROUNDS; round += 1)
  for (const side of round % 2 ? [...sides].reverse() : sides) {
    if (PHASES.includes('enqueue')) record(`${side.name}|enqueue`, await timed(N, () => oneByOne(side, N)));
    if (PHASES.includes('enqueue') || PHASES.includes('drain')) await side.clear();
    if (PHASES.includes('bulk') || PHASES.includes('drain'))
      record(`${side.name}|bulk`, await timed(N, () => bulk(side, N)));
    if (PHASES.includes('drain')) record(`${side.name}|drain`, await timed(N, () => side.drain(N)));
    await side.clear();
    // bench:jobs's first row: one by one while the workers run.
    if (PHASES.includes('both')) {
      record(`${side.name}|both`, await timed(N, () => Promise.all([side.drain(N), oneByOne(side, N)])));
      await side.clear();
    }
  }
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
process.stdout.write(
  `${N} jobs, ${ROUNDS} round(s), drain with ${WORKERS} worker(s), medians; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
for (const [key, values] of results) {
  const [name, phase] = key.split('|');
  process.stdout.write(
    `${name!.padEnd(16)} ${phase!.padEnd(8)} ${median(values.map((v) => v.cpu))
      .toFixed(1)
      .padStart(6)} µs CPU/job  Redis ${median(values.map((v) => v.redis))
      .toFixed(1)
      .padStart(6)} µs/job  ${median(values.map((v) => v.rate))
      .toFixed(0)
      .padStart(6)} jobs/s\n`,
  );
}
for (const side of sides) await side.close();
info.disconnect();
process.exit(0);
