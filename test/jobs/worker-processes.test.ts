import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from 'basalt';
import { createJobs, databaseBackend, type Jobs, type JobsBackend, loadRedisBackend } from 'basalt/jobs';
import { createTestDatabase } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { hasRedis, REDIS_URL } from '../support/redis.js';
import { eventually } from './backend.contract.js';
import { heartbeat, jobsApp, nap, shout } from './fixtures/app.js';
import { killAll, startBasalt, waitFor } from './processes.js';
import { dropPrefix } from './support.js';

// Worker and scheduler processes (`bin/basalt.js worker|scheduler`) sharing one queue: the
// database backend on one SQLite file (the embedded default: several processes on one host,
// one writer at a time) and on PostgreSQL (SKIP LOCKED, LISTEN/NOTIFY across processes), and
// the Redis backend (BullMQ's stalled-job check standing for the lease).

/** Where the processes' queue lives: the env they run with, and the test's own view of that queue. */
interface ProcessTarget {
  env: Record<string, string>;
  /** The backend the test enqueues and inspects through (default: the database backend on the app's db). */
  backend?(): Promise<JobsBackend>;
  /** Attempts of a job run again after its worker was killed: the database counts the lost run, BullMQ does not. */
  attemptsAfterRecovery: number;
  close(): Promise<void>;
}

function processSuite(name: string, run: boolean, target: () => Promise<ProcessTarget>): void {
  describe.runIf(run)(name, () => {
    let dir: string;
    let env: Record<string, string>;
    let jobs: Jobs;
    let close: () => Promise<void>;
    let where: ProcessTarget;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'basalt-jobs-proc-'));
      where = await target();
      env = { ...where.env, JOBS_LEASE: '1000', JOBS_POLL_INTERVAL: '100' };
      const app = await createApp(jobsApp, { envFile: false, env: { ...env, LOG_LEVEL: 'silent' } });
      await app.db!.createTables();
      const backend = where.backend ? await where.backend() : databaseBackend({ db: app.db!, pollMs: 100 });
      jobs = createJobs({ backend, tasks: [shout, nap, heartbeat], bind: false, db: app.db! });
      close = async () => {
        await backend.close();
        await app.stop();
        await where.close();
      };
    });
    afterAll(async () => {
      killAll();
      await close?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it('completes in another worker a job whose worker was killed (SIGKILL) mid-job, after its lease', async () => {
      const marker = join(dir, 'nap-started');
      const job = await jobs.enqueue(nap, { ms: 2500, startedFile: marker });
      const first = startBasalt(['worker'], env);
      const firstPid = first.child.pid!;
      await eventually(() => existsSync(`${marker}.${firstPid}`) || undefined, 60_000);
      // The database queue writes a start (the attempt) milliseconds after the job starts.
      await eventually(async () => (await job.get())?.attempts || undefined, 10_000);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      expect(await job.state()).toBe('active');

      const second = startBasalt(['worker'], env);
      const result = (await job.result({ timeout: 60_000 })) as { pid: number };
      expect(result.pid).toBe(second.child.pid);
      expect(await job.get()).toMatchObject({ state: 'completed', attempts: where.attemptsAfterRecovery });
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      // Two worker start-ups and a lease: on a loaded 2-core machine a start-up alone took 20 s.
    }, 150_000);

    it('on SIGTERM, lets running jobs finish and exits cleanly', async () => {
      const marker = join(dir, 'graceful');
      const worker = startBasalt(['worker', '--concurrency', '2'], env);
      await waitFor(worker, /worker started/);
      const a = await jobs.enqueue(nap, { ms: 1200, startedFile: `${marker}-a` });
      const b = await jobs.enqueue(nap, { ms: 1200, startedFile: `${marker}-b` });
      const pid = worker.child.pid!;
      await eventually(
        () => (existsSync(`${marker}-a.${pid}`) && existsSync(`${marker}-b.${pid}`)) || undefined,
      );
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(await a.get()).toMatchObject({ state: 'completed', result: { pid } });
      expect(await b.get()).toMatchObject({ state: 'completed', result: { pid } });
      expect(worker.output()).toMatch(/worker stopping/);
    });

    it('on SIGTERM past the shutdown timeout, hands running jobs back to the queue', async () => {
      const marker = join(dir, 'released');
      const worker = startBasalt(['worker', '--shutdown-timeout', '300ms'], env);
      const job = await jobs.enqueue(nap, { ms: 30_000, startedFile: marker });
      await eventually(() => existsSync(`${marker}.${worker.child.pid}`) || undefined, 20_000);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      // Released at once (not after the lease), and this attempt does not count.
      expect(await job.get()).toMatchObject({ state: 'queued', attempts: 0 });
      await jobs.cancel(job.id);
    });

    it('enqueues exactly one job per tick with three scheduler processes', async () => {
      const schedulers = [1, 2, 3].map(() => startBasalt(['scheduler'], env));
      for (const s of schedulers) await waitFor(s, /scheduler started/);
      await eventually(
        async () => (await jobs.list({ task: heartbeat.name, limit: 100 })).length >= 4,
        20_000,
      );
      for (const s of schedulers) s.child.kill('SIGTERM');
      for (const s of schedulers) expect(await s.exited).toBe(0);
      const ticks = (await jobs.list({ task: heartbeat.name, limit: 100 }))
        .map((j) => j.runAt.getTime())
        .sort();
      expect(new Set(ticks).size).toBe(ticks.length);
      // Every second between the first and the last tick, each once.
      const first = ticks[0]!;
      expect(ticks).toEqual(ticks.map((_, i) => first + i * 1000));
    });
  });
}

processSuite('worker and scheduler processes on one SQLite file', true, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-jobs-proc-db-'));
  return {
    env: { DATABASE_URL: `sqlite:${join(dir, 'app.db')}` },
    attemptsAfterRecovery: 2,
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

processSuite('worker and scheduler processes on PostgreSQL', hasPostgres, async () => {
  // An empty schema of its own (dropped at the end); the app creates its tables in it.
  const test = await createTestDatabase({ models: [], url: POSTGRES_URL });
  return { env: { DATABASE_URL: test.url }, attemptsAfterRecovery: 2, close: () => test.close() };
});

processSuite('worker and scheduler processes on Redis', hasRedis, async () => {
  const prefix = `basalt-jobs-proc-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'basalt-jobs-redis-proc-'));
  return {
    env: { DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, REDIS_URL, JOBS_REDIS_PREFIX: prefix },
    backend: () => loadRedisBackend({ url: REDIS_URL, prefix }),
    attemptsAfterRecovery: 1,
    async close() {
      await dropPrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe.runIf(hasRedis)('a Redis worker killed with running jobs', () => {
  const prefix = `basalt-jobs-crash-${randomUUID().slice(0, 8)}`;
  let dir: string;
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => {
    killAll();
    await close?.();
    await dropPrefix(prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has its 4 jobs run again within a lease (plus 5 s) of the next worker starting', async () => {
    const lease = 3000;
    dir = mkdtempSync(join(tmpdir(), 'basalt-jobs-crash-'));
    const env = {
      DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
      REDIS_URL,
      JOBS_REDIS_PREFIX: prefix,
      JOBS_LEASE: String(lease),
    };
    const app = await createApp(jobsApp, { envFile: false, env: { ...env, LOG_LEVEL: 'silent' } });
    await app.db!.createTables();
    const backend = await loadRedisBackend({ url: REDIS_URL, prefix });
    const jobs = createJobs({ backend, tasks: [nap], bind: false, db: app.db! });
    close = async () => {
      await backend.close();
      await app.stop();
    };
    // Each job runs for a minute the first time; once the worker is dead, the skip file makes
    // the runs after recovery short, so what is measured is the recovery.
    const skipFile = join(dir, 'skip');
    const markers = [0, 1, 2, 3].map((i) => join(dir, `crash-${i}`));
    const handles = await Promise.all(
      markers.map((startedFile) => jobs.enqueue(nap, { ms: 60_000, startedFile, skipFile })),
    );
    const first = startBasalt(['worker', '--concurrency', '4'], env);
    const firstPid = first.child.pid!;
    await eventually(() => markers.every((m) => existsSync(`${m}.${firstPid}`)) || undefined, 60_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    writeFileSync(skipFile, '');
    expect(await Promise.all(handles.map((h) => h.state()))).toEqual([
      'active',
      'active',
      'active',
      'active',
    ]);

    const second = startBasalt(['worker', '--concurrency', '4'], env);
    await waitFor(second, /worker started/, 60_000);
    const startedAt = Date.now();
    await eventually(
      async () =>
        (await Promise.all(handles.map((h) => h.state()))).every((s) => s === 'completed') || undefined,
      lease + 30_000,
    );
    const recoveredMs = Date.now() - startedAt;
    // The bound the docs promise, measured generously from the second worker's start-up line.
    expect(recoveredMs).toBeLessThanOrEqual(lease + 5000);
    for (const handle of handles)
      expect(await handle.get()).toMatchObject({ state: 'completed', result: { pid: second.child.pid } });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 150_000);
});
