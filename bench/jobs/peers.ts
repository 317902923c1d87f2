// The PostgreSQL job queues people use, as targets of bench/jobs/run.ts on the same PostgreSQL
// as Basalt's database queue: graphile-worker (its defaults, and with its local queue, which
// claims many jobs per query) and pg-boss. Each in a schema of its own, dropped at close.
import { randomUUID } from 'node:crypto';
import { Logger, makeWorkerUtils, type Runner, run } from 'graphile-worker';
import pg from 'pg';
import { PgBoss } from 'pg-boss';

/** What run.ts measures (its Target). */
export interface PeerTarget {
  name: string;
  start(workers: number, onJob: () => void): Promise<{ stop(): Promise<void> }>;
  enqueue(): Promise<unknown>;
  enqueueBulk(n: number): Promise<unknown>;
  completed(n: number): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}

/**
 * graphile-worker: `workers` is its concurrency in one runner; `localQueue` its local queue
 * size (none by default); `batchCompletions` sets its `completeJobBatchDelay` to 0 (completions
 * made in the same tick share a statement; off by default). Completed jobs are deleted: a job
 * is recorded once its row is gone.
 */
export async function graphileTarget(
  url: string,
  localQueue?: number,
  batchCompletions = false,
): Promise<PeerTarget> {
  const schema = `bench_gw_${randomUUID().slice(0, 8)}`;
  const worker = {
    ...(localQueue ? { localQueue: { size: localQueue } } : {}),
    ...(batchCompletions ? { completeJobBatchDelay: 0 } : {}),
  };
  const options = {
    connectionString: url,
    schema,
    noHandleSignals: true,
    // Silent, as Basalt's workers are in the bench (its default logs a line per job).
    logger: new Logger(() => () => {}),
    ...(Object.keys(worker).length ? { preset: { worker } } : {}),
  };
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let onJob = () => {};
  let handled = 0;
  let base = 0;
  const taskList = {
    noop: async () => {
      handled += 1;
      onJob();
    },
  };
  // Installs the schema (a runner with no concurrency stops at once).
  const setup: Runner = await run({ ...options, taskList, concurrency: 1 });
  await setup.stop();
  const utils = await makeWorkerUtils({ connectionString: url, schema, logger: options.logger });
  return {
    name: localQueue
      ? `graphile-worker, localQueue ${localQueue}${batchCompletions ? ', completeJobBatchDelay 0' : ''}`
      : 'graphile-worker, defaults',
    async start(workers, handler) {
      onJob = handler;
      const runner = await run({ ...options, taskList, concurrency: workers });
      return { stop: () => runner.stop() };
    },
    enqueue: () => utils.addJob('noop', { n: 1 }),
    enqueueBulk: (n) =>
      utils.addJobs(Array.from({ length: n }, () => ({ identifier: 'noop', payload: { n: 1 } }))),
    async completed(n) {
      while (handled - base < n) await sleep(5);
      for (;;) {
        const { rows } = await pool.query<{ n: string }>(
          `select count(*) as n from "${schema}"._private_jobs`,
        );
        if (Number(rows[0]!.n) === 0) return;
        await sleep(5);
      }
    },
    async reset() {
      base = handled;
    },
    async close() {
      await utils.release();
      await pool.end();
      await dropSchema(url, schema);
    },
  };
}

/**
 * Jobs per pg-boss fetch. With its default (1) a worker fetched one job per poll (0.5 s at
 * best: about 2 jobs/s here, NOTIFY or not); with more it fetches again at once while
 * fetches come back full (burstWhenBatchFull), and completes the batch in one statement.
 */
const PG_BOSS_BATCH = 20;

/**
 * pg-boss: `workers` is its localConcurrency on one queue (notify on; polling every 0.5 s, the
 * shortest it takes); completed jobs keep their rows.
 */
export async function pgBossTarget(url: string): Promise<PeerTarget> {
  const schema = `bench_boss_${randomUUID().slice(0, 8)}`;
  const boss = new PgBoss({ connectionString: url, schema, max: 20 });
  boss.on('error', () => {});
  await boss.start();
  const queue = 'bench-noop';
  await boss.createQueue(queue, { notify: true });
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let onJob = () => {};
  let handled = 0;
  let base = 0;
  return {
    name: `pg-boss, batchSize ${PG_BOSS_BATCH}`,
    async start(workers, handler) {
      onJob = handler;
      const id = await boss.work(
        queue,
        {
          localConcurrency: workers,
          batchSize: PG_BOSS_BATCH,
          pollingIntervalSeconds: 0.5,
          burstWhenBatchFull: true,
        },
        async (jobs) => {
          for (const _ of jobs) {
            handled += 1;
            onJob();
          }
        },
      );
      return { stop: () => boss.offWork(queue, { id, wait: true }) };
    },
    enqueue: () => boss.send(queue, { n: 1 }),
    enqueueBulk: (n) =>
      boss.insert(
        queue,
        Array.from({ length: n }, () => ({ data: { n: 1 } })),
      ),
    async completed(n) {
      while (handled - base < n) await sleep(5);
      for (;;) {
        const { rows } = await pool.query<{ n: string }>(
          `select count(*) as n from "${schema}".job where state <> 'completed'`,
        );
        if (Number(rows[0]!.n) === 0) return;
        await sleep(5);
      }
    },
    async reset() {
      await pool.query(`delete from "${schema}".job where state = 'completed'`);
      base = handled;
    },
    async close() {
      await boss.stop({ graceful: false });
      await pool.end();
      await dropSchema(url, schema);
    },
  };
}
