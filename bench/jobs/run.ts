// Jobs benchmark: enqueue-and-process throughput and enqueue-to-start latency of no-op jobs,
// with 1 and 4 workers: Basalt on Redis next to BullMQ used directly (same run, same Redis),
// and Basalt's database queue on SQLite (a WAL file) and on PostgreSQL.
//
// BENCH_PG_SETUP: SQL statements (separated by ;) run on the PostgreSQL jobs table before each
// measure, for A/B trials of indexes or storage settings.
//
//   node --conditions=basalt-source --import tsx bench/jobs/run.ts [--quick] [--only redis|sqlite|postgres] [--rounds N] [--processes P]
//
// Two ways of enqueueing while the workers run: one job per call (16 calls in flight), and
// "bulk": enqueueMany / BullMQ addBulk of 100 jobs per call (4 calls in flight).
// --processes P: Basalt's workers run in P worker processes (bench/jobs/worker-process.ts, as
// `basalt worker` processes would; 4 workers over 2 processes are 2 × 2), enqueues stay in this
// one; no start latency then (it is measured in this process only). Raw BullMQ stays in-process.
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker as BullWorker, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { type Database, sql } from '../../src/db/index.js';
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
} from '../../src/jobs/index.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { graphileTarget, pgBossTarget } from './peers.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    rounds: { type: 'string' },
    processes: { type: 'string' },
    'no-peers': { type: 'boolean', default: false },
    /** Raw BullMQ's queue and workers on one connection (default: two, as Basalt's). */
    'raw-shared': { type: 'boolean', default: false },
    /** Peers to measure: graphile, graphile-local, graphile-batched, pg-boss (default all). */
    peers: { type: 'string', multiple: true },
  },
});
const PROCESSES = flags.processes ? Number(flags.processes) : 0;
const JOBS = flags.quick ? 1000 : 5000;
const LATENCY_SAMPLES = flags.quick ? 50 : 200;
const IN_FLIGHT = 16;
const BULK = 100;
const BULK_IN_FLIGHT = 4;
const ROUNDS = Number(flags.rounds ?? (flags.quick ? 1 : 3));
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  implementation: string;
  workers: number;
  round?: number;
  jobsPerSecond: number;
  /** The same, enqueued in bulk (BULK jobs per call). */
  bulkPerSecond: number;
  /** Jobs/s draining a backlog enqueued beforehand (workers only, no enqueues competing). */
  drainPerSecond: number;
  p50: number;
  p95: number;
}

/** One implementation under test: start workers running `onJob`, enqueue one job, wait for completions. */
interface Target {
  name: string;
  start(workers: number, onJob: () => void): Promise<{ stop(): Promise<void> }>;
  enqueue(): Promise<unknown>;
  /** Enqueues `n` jobs in one call (enqueueMany, addBulk). */
  enqueueBulk(n: number): Promise<unknown>;
  /** Resolves once `n` jobs are recorded as completed since the last reset. */
  completed(n: number): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
  /** Workers in other processes: start latency is not measured. */
  remote?: boolean;
}

async function enqueueMany(target: Target, n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < n) {
        next += 1;
        await target.enqueue();
      }
    }),
  );
}

async function enqueueBulk(target: Target, n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: BULK_IN_FLIGHT }, async () => {
      while (next < n) {
        const size = Math.min(BULK, n - next);
        next += size;
        await target.enqueueBulk(size);
      }
    }),
  );
}

async function measure(target: Target, workers: number): Promise<Row> {
  await target.reset();
  let started = 0;
  let waiter: (() => void) | undefined;
  let startedAt = 0;
  const latencies: number[] = [];
  const running = await target.start(workers, () => {
    started += 1;
    if (startedAt) latencies.push(performance.now() - startedAt);
    waiter?.();
  });
  // Warm-up, then throughput: enqueue JOBS while the workers run, until all are completed.
  await enqueueMany(target, Math.min(200, JOBS));
  await target.completed(Math.min(200, JOBS));
  await target.reset();
  started = 0;
  const begin = performance.now();
  await enqueueMany(target, JOBS);
  await target.completed(JOBS);
  const jobsPerSecond = JOBS / ((performance.now() - begin) / 1000);
  await target.reset();
  const bulkBegin = performance.now();
  await enqueueBulk(target, JOBS);
  await target.completed(JOBS);
  const bulkPerSecond = JOBS / ((performance.now() - bulkBegin) / 1000);
  // Latency: one job at a time on idle workers, from the enqueue call to the handler's start.
  for (let i = 0; i < (target.remote ? 0 : LATENCY_SAMPLES); i += 1) {
    const seen = started;
    const arrived = new Promise<void>((resolve) => {
      waiter = () => {
        if (started > seen) resolve();
      };
    });
    startedAt = performance.now();
    await target.enqueue();
    await arrived;
    startedAt = 0;
    await sleep(2);
  }
  await running.stop();
  // Drain: a backlog enqueued with no worker running (in bulk: not timed), then the workers alone.
  await target.reset();
  await enqueueBulk(target, JOBS);
  const drainStart = performance.now();
  const draining = await target.start(workers, () => {});
  await target.completed(JOBS);
  const drainPerSecond = JOBS / ((performance.now() - drainStart) / 1000);
  await draining.stop();
  latencies.sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies.length
      ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!
      : Number.NaN;
  return {
    implementation: target.name,
    workers,
    jobsPerSecond,
    bulkPerSecond,
    drainPerSecond,
    p50: pick(0.5),
    p95: pick(0.95),
  };
}

/** Where the workers of a Basalt target run when not in this process (see --processes). */
interface Remote {
  processes: number;
  /** BENCH_BACKEND, BENCH_URL, BENCH_PREFIX for bench/jobs/worker-process.ts. */
  env: Record<string, string>;
}

/** A worker process of bench/jobs/worker-process.ts, and the jobs it reported handled. */
interface Child {
  process: ChildProcess;
  handled: number;
  next(message: string): Promise<void>;
}

function spawnChild(env: Record<string, string>): Child {
  const proc = fork(fileURLToPath(new URL('./worker-process.ts', import.meta.url)), [], {
    execArgv: ['--conditions=basalt-source', '--import', 'tsx'],
    env: { ...process.env, ...env },
  });
  const waiting = new Map<string, () => void>();
  const child: Child = {
    process: proc,
    handled: 0,
    next: (message) => new Promise((resolve) => waiting.set(message, resolve)),
  };
  proc.on('message', (message: string | { handled: number }) => {
    if (typeof message === 'string') {
      waiting.get(message)?.();
      waiting.delete(message);
    } else child.handled = message.handled;
  });
  return child;
}

function basaltTarget(
  name: string,
  backend: JobsBackend,
  db: Database | undefined,
  close: () => Promise<void>,
  remote?: Remote,
): Target {
  let onJob = () => {};
  let local = 0;
  let children: Child[] = [];
  const queue = `bench-${randomUUID().slice(0, 8)}`;
  // Async, as raw BullMQ's processor below: the same kind of handler on both sides.
  const noop = defineTask(
    'bench-noop',
    { input: t.Object({ n: t.Integer() }), retries: 0, queue },
    async () => {
      local += 1;
      onJob();
      return null;
    },
  );
  const jobs = createJobs({ backend, tasks: [noop], bind: false, ...(db ? { db } : {}) });
  let base = 0;
  let handledBase = 0;
  const total = () => local + children.reduce((sum, c) => sum + c.handled, 0);
  const handled = () => total() - handledBase;
  async function spawn(workers: number): Promise<void> {
    if (children.length) return;
    const count = Math.min(remote!.processes, workers);
    children = Array.from({ length: count }, (_, i) => {
      const mine = Math.floor(workers / count) + (i < workers % count ? 1 : 0);
      return spawnChild({ ...remote!.env, BENCH_QUEUE: queue, BENCH_WORKERS: String(mine) });
    });
    await Promise.all(children.map((c) => c.next('ready')));
  }
  return {
    name: remote ? `${name} (${remote.processes} processes)` : name,
    ...(remote ? { remote: true } : {}),
    async start(workers, handler) {
      onJob = handler;
      if (remote) {
        await spawn(workers);
        await Promise.all(
          children.map((c) => {
            const started = c.next('started');
            c.process.send('go');
            return started;
          }),
        );
        return {
          stop: async () => {
            await Promise.all(
              children.map((c) => {
                const stopped = c.next('stopped');
                c.process.send('stop');
                return stopped;
              }),
            );
          },
        };
      }
      // The database queue: one worker with that concurrency, as `basalt worker --concurrency N`
      // and as graphile-worker's runner and pg-boss's worker are measured. On Redis: as many
      // workers of one slot each as raw BullMQ's.
      const list =
        backend.kind === 'database'
          ? [createWorker(jobs, { log, concurrency: workers })]
          : Array.from({ length: workers }, () => createWorker(jobs, { log, concurrency: 1 }));
      return { stop: () => Promise.all(list.map((w) => w.stop())).then(() => undefined) };
    },
    enqueue: () => jobs.enqueue(noop, { n: 1 }),
    enqueueBulk: (n) =>
      jobs.enqueueMany(
        noop,
        Array.from({ length: n }, () => ({ n: 1 })),
      ),
    async completed(n) {
      // Handlers first (no queries while the workers run), then the recorded completions.
      while (handled() < n) await sleep(5);
      while ((await jobs.counts()).completed - base < n) await sleep(5);
    },
    async reset() {
      await jobs.purge({ state: 'completed' });
      base = (await jobs.counts()).completed;
      handledBase = total();
    },
    async close() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              c.process.once('exit', () => resolve());
              c.process.send('exit');
            }),
        ),
      );
      await jobs.close();
      await close();
    },
  };
}

function bullmqTarget(prefix: string): Target {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const name = `bench-raw-${randomUUID().slice(0, 8)}`;
  // The connections Basalt's Redis backend has: one for enqueueing (fail-fast while Redis is
  // down) and one its workers share (BullMQ's workers wait for Redis). On one shared
  // connection (--raw-shared), the enqueues and the workers' commands of one process go out in
  // the same socket writes, which made raw BullMQ's 4-worker enqueue-and-process row ~10%
  // faster here (Basalt ÷ raw 0.84× shared, 0.93× split, 3 rounds each, 2026-12-05); Basalt
  // cannot share them (their retry settings differ) and nor can two processes.
  const queueConnection = flags['raw-shared']
    ? connection
    : new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection: queueConnection, prefix });
  let done = 0;
  return {
    name: 'BullMQ (raw)',
    async start(workers, onJob) {
      const list = Array.from({ length: workers }, () => {
        const worker = new BullWorker(
          name,
          async () => {
            onJob();
            return null;
          },
          { connection, prefix, concurrency: 1 },
        );
        worker.on('completed', () => {
          done += 1;
        });
        return worker;
      });
      return { stop: () => Promise.all(list.map((w) => w.close())).then(() => undefined) };
    },
    enqueue: () => queue.add('bench-noop', { n: 1 }, { attempts: 1 }),
    enqueueBulk: (n) =>
      queue.addBulk(
        Array.from({ length: n }, () => ({ name: 'bench-noop', data: { n: 1 }, opts: { attempts: 1 } })),
      ),
    async completed(n) {
      while (done < n) await sleep(5);
    },
    async reset() {
      await queue.clean(0, 0, 'completed');
      done = 0;
    },
    async close() {
      await queue.close();
      await connection.quit();
      if (queueConnection !== connection) await queueConnection.quit();
    },
  };
}

async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

/** A latency figure, or a dash when not measured (workers in other processes). */
const ms = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(2));

const groups = flags.only ?? ['redis', 'sqlite', 'postgres'];
const rows: Row[] = [];
const report = (row: Row) => {
  rows.push(row);
  process.stderr.write(
    `${row.implementation.padEnd(22)} ${row.workers} worker(s)  ${row.jobsPerSecond.toFixed(0).padStart(6)} jobs/s  bulk ${row.bulkPerSecond.toFixed(0).padStart(6)} jobs/s  drain ${row.drainPerSecond.toFixed(0).padStart(6)} jobs/s  latency p50 ${ms(row.p50)} ms, p95 ${ms(row.p95)} ms\n`,
  );
};

for (let round = 1; round <= ROUNDS; round += 1) {
  process.stderr.write(`round ${round} of ${ROUNDS}\n`);
  if (groups.includes('redis')) {
    const prefix = `basalt-bench-jobs-${randomUUID().slice(0, 8)}`;
    try {
      for (const workers of [1, 4]) {
        // Back to back, the first one alternating by round, so neither always runs first.
        const runRaw = async () => {
          const raw = bullmqTarget(prefix);
          report({ ...(await measure(raw, workers)), round });
          await raw.close();
        };
        const runBasalt = async () => {
          const backend = await loadRedisBackend({ url: REDIS_URL, prefix });
          const basalt = basaltTarget(
            'Basalt on Redis',
            backend,
            undefined,
            async () => {},
            PROCESSES
              ? {
                  processes: PROCESSES,
                  env: { BENCH_BACKEND: 'redis', BENCH_URL: REDIS_URL, BENCH_PREFIX: prefix },
                }
              : undefined,
          );
          report({ ...(await measure(basalt, workers)), round });
          await basalt.close();
        };
        for (const run of round % 2 ? [runRaw, runBasalt] : [runBasalt, runRaw]) await run();
      }
    } finally {
      await dropPrefix(prefix);
    }
  }
  if (groups.includes('sqlite')) {
    const dir = mkdtempSync(join(tmpdir(), 'basalt-bench-jobs-'));
    try {
      for (const workers of [1, 4]) {
        const url = `sqlite:${join(dir, `jobs-${workers}.db`)}`;
        const test = await createTestDatabase({ models: [JobModel, JobScheduleModel], url });
        const backend = databaseBackend({ db: test.db });
        const remote = PROCESSES
          ? { processes: PROCESSES, env: { BENCH_BACKEND: 'sqlite', BENCH_URL: url } }
          : undefined;
        const target = basaltTarget('Basalt on SQLite', backend, test.db, () => test.close(), remote);
        report(await measure(target, workers));
        await target.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (groups.includes('postgres')) {
    for (const workers of [1, 4]) {
      const runBasalt = async () => {
        const test = await createTestDatabase({ models: [JobModel, JobScheduleModel], url: POSTGRES_URL });
        const backend = databaseBackend({ db: test.db, url: test.url });
        for (const stmt of (process.env.BENCH_PG_SETUP ?? '').split(';').filter((x) => x.trim()))
          await sql.raw(stmt).execute(test.db.kysely);
        await sql`analyze basalt_job`.execute(test.db.kysely);
        const remote = PROCESSES
          ? { processes: PROCESSES, env: { BENCH_BACKEND: 'postgres', BENCH_URL: test.url } }
          : undefined;
        const target = basaltTarget('Basalt on PostgreSQL', backend, test.db, () => test.close(), remote);
        report({ ...(await measure(target, workers)), round });
        await target.close();
      };
      // The PostgreSQL queues people use, on the same server (each in a schema of its own).
      const runPeers = async () => {
        if (flags['no-peers']) return;
        for (const [key, make] of [
          ['graphile', () => graphileTarget(POSTGRES_URL)],
          ['graphile-local', () => graphileTarget(POSTGRES_URL, 500)],
          ['graphile-batched', () => graphileTarget(POSTGRES_URL, 500, true)],
          ['pg-boss', () => pgBossTarget(POSTGRES_URL)],
        ] as const) {
          if (flags.peers && !flags.peers.includes(key)) continue;
          const peer = await make();
          try {
            report({ ...(await measure(peer, workers)), round });
          } finally {
            await peer.close();
          }
        }
      };
      // Basalt first in odd rounds, after the peers in even ones: the first measurement of a
      // process runs with a cold JIT, which must not always fall on the same side.
      for (const run of round % 2 ? [runBasalt, runPeers] : [runPeers, runBasalt]) await run();
    }
  }
}

/** The median of each implementation × workers over the rounds. */
function medians(all: Row[]): Row[] {
  const keys = [...new Set(all.map((r) => `${r.implementation}|${r.workers}`))];
  const mid = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return keys.map((key) => {
    const of = all.filter((r) => `${r.implementation}|${r.workers}` === key);
    return {
      implementation: of[0]!.implementation,
      workers: of[0]!.workers,
      jobsPerSecond: mid(of.map((r) => r.jobsPerSecond)),
      bulkPerSecond: mid(of.map((r) => r.bulkPerSecond)),
      drainPerSecond: mid(of.map((r) => r.drainPerSecond)),
      p50: mid(of.map((r) => r.p50)),
      p95: mid(of.map((r) => r.p95)),
    };
  });
}
const results = medians(rows);

/**
 * Basalt on Redis / raw BullMQ: the median over rounds of each round's ratio (the two ran back
 * to back, so the machine's load, which drifts between rounds, weighs on both alike).
 */
const ratio = (workers: number, key: 'jobsPerSecond' | 'bulkPerSecond' | 'drainPerSecond') => {
  const perRound: number[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const of = (name: string) =>
      rows.find((r) => r.implementation === name && r.workers === workers && r.round === round);
    const raw = of('BullMQ (raw)');
    const ours = of('Basalt on Redis');
    if (raw && ours) perRound.push(ours[key] / raw[key]);
  }
  return perRound.length ? perRound.sort((a, b) => a - b)[Math.floor(perRound.length / 2)] : undefined;
};
const lines = [
  `# Jobs benchmark, ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Command: \`node --conditions=basalt-source --import tsx bench/jobs/run.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}\``,
  '',
  `${JOBS} no-op jobs enqueued (${IN_FLIGHT} enqueues in flight) while the workers run, timed until all are recorded`,
  `completed; "bulk": the same with ${BULK} jobs per enqueue call (enqueueMany, addBulk; ${BULK_IN_FLIGHT} calls in flight); then ${LATENCY_SAMPLES} jobs one at a time on idle workers, from the enqueue call to the handler's start;`,
  `then "drain": ${JOBS} jobs enqueued (in bulk) with no worker running, timed from the workers' start until all are completed.`,
  `Medians of ${ROUNDS} round(s), the implementations alternating within each round. ` +
    'Workers run in the benchmark process, one job at a time each (graphile-worker and pg-boss: one runner or worker with that concurrency). Machine: ' +
    `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]?.toFixed(2)} at the end, Node ${process.version}.`,
  '',
  '| implementation | workers | enqueue-and-process jobs/s | same, bulk enqueue | drain jobs/s | start latency p50 (ms) | p95 (ms) |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${r.implementation} | ${r.workers} | ${r.jobsPerSecond.toFixed(0)} | ${r.bulkPerSecond.toFixed(0)} | ${r.drainPerSecond.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p95)} |`,
  ),
  '',
  ...[1, 4].flatMap((w) => {
    const both = ratio(w, 'jobsPerSecond');
    const bulk = ratio(w, 'bulkPerSecond');
    const drain = ratio(w, 'drainPerSecond');
    return both === undefined || bulk === undefined || drain === undefined
      ? []
      : [
          `- Basalt on Redis / raw BullMQ, ${w} worker(s), median of the rounds' ratios: ${both.toFixed(2)}× enqueue-and-process, ${bulk.toFixed(2)}× with bulk enqueue, ${drain.toFixed(2)}× drain (target ≥ 0.9×)`,
        ];
  }),
];
/** Basalt on PostgreSQL against each PostgreSQL peer, median of the rounds' ratios. */
const peerLines = [1, 4].flatMap((w) =>
  [
    'graphile-worker, defaults',
    'graphile-worker, localQueue 500',
    'graphile-worker, localQueue 500, completeJobBatchDelay 0',
    'pg-boss, batchSize 20',
  ].flatMap((peer) => {
    const of = (key: 'jobsPerSecond' | 'bulkPerSecond' | 'drainPerSecond') => {
      const perRound: number[] = [];
      for (let round = 1; round <= ROUNDS; round += 1) {
        const find = (name: string) =>
          rows.find((r) => r.implementation === name && r.workers === w && r.round === round);
        const theirs = find(peer);
        const ours = find('Basalt on PostgreSQL');
        if (theirs && ours) perRound.push(ours[key] / theirs[key]);
      }
      return perRound.length ? perRound.sort((a, b) => a - b)[Math.floor(perRound.length / 2)] : undefined;
    };
    const [a, b, c] = [of('jobsPerSecond'), of('bulkPerSecond'), of('drainPerSecond')];
    return a === undefined || b === undefined || c === undefined
      ? []
      : [
          `- Basalt on PostgreSQL / ${peer}, ${w} worker(s): ${a.toFixed(2)}× enqueue-and-process, ${b.toFixed(2)}× bulk, ${c.toFixed(2)}× drain`,
        ];
  }),
);
lines.push(...(peerLines.length ? ['', ...peerLines] : []));
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
if (!flags.quick && !flags.only) {
  const out = fileURLToPath(
    new URL(`../results/${new Date().toISOString().slice(0, 10)}-jobs.md`, import.meta.url),
  );
  mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
  writeFileSync(out, text);
  process.stderr.write(`written to ${out}\n`);
}
process.exit(0);
