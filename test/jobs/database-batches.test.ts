import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from 'basalt';
import { type Database, sql } from 'basalt/db';
import { t } from 'basalt/http';
import {
  createJobs,
  createWorker,
  databaseBackend,
  defineTask,
  JobModel,
  JobScheduleModel,
} from 'basalt/jobs';
import { createTestDatabase } from 'basalt/testing';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { eventually } from './backend.contract.js';
import { jobsApp, nap } from './fixtures/app.js';
import { killAll, startBasalt, waitFor } from './processes.js';

// The database queue's batches: workers claim many jobs per statement into a local buffer
// and record starts and completions in batches. What must not change: priorities across the
// buffer, and crash recovery (a killed worker's buffered jobs run once, after one lease).

const log = pino({ level: 'silent' });

async function rows(db: Database, where: string) {
  const { rows } = await sql<{
    n: number | string;
  }>`select count(*) as n from basalt_job where ${sql.raw(where)}`.execute(db.kysely);
  return Number(rows[0]!.n);
}

function batchSuite(name: string, run: boolean, url: () => string | undefined): void {
  describe.runIf(run)(`${name}: the default batch`, () => {
    it('grows to 500 jobs per claim in a deep queue', async () => {
      const test = await createTestDatabase({
        models: [JobModel, JobScheduleModel],
        ...(url() ? { url: url() } : {}),
      });
      const backend = databaseBackend({ db: test.db, ...(url() ? { url: test.url } : {}), pollMs: 50 });
      let open = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      let started = 0;
      // The 600th job waits: by then the batch has grown past 1 + 2 + … + 256 jobs to its cap,
      // and one claim of the cap (made while the buffer was low) is in the buffer.
      const task = defineTask(
        'batch-default',
        { input: t.Object({ n: t.Integer() }), retries: 0 },
        async () => {
          started += 1;
          if (started >= 600) await gate;
        },
      );
      const jobs = createJobs({ backend, tasks: [task], bind: false, db: test.db });
      try {
        for (let i = 0; i < 2000; i += 1000)
          await jobs.enqueueMany(
            task,
            Array.from({ length: 1000 }, (_, n) => ({ n: i + n })),
          );
        const worker = createWorker(jobs, { concurrency: 1, log, statsInterval: 0 });
        await eventually(() => started >= 600 || undefined, 60_000);
        // Once the finished jobs' completions are written, the jobs still leased are the running
        // one and the buffer: a batch of 200, refilled below a quarter of it, leaves at most 251;
        // one of 500 leaves at least 412 here.
        await eventually(
          async () => ((await rows(test.db, "state = 'completed'")) >= 599 ? true : undefined),
          10_000,
        );
        expect(await rows(test.db, "state = 'active'")).toBeGreaterThan(300);
        open();
        await worker.stop();
        expect(await rows(test.db, "state = 'active'")).toBe(0);
      } finally {
        open();
        await jobs.close();
        await test.close();
      }
    }, 120_000);
  });

  describe.runIf(run)(`${name}: a high-priority job behind a 10,000-job backlog`, () => {
    it('is claimed at once and starts at the first free slot, ahead of the buffer', async () => {
      const test = await createTestDatabase({
        models: [JobModel, JobScheduleModel],
        ...(url() ? { url: url() } : {}),
      });
      const BATCH = 50;
      const backend = databaseBackend({
        db: test.db,
        ...(url() ? { url: test.url } : {}),
        batchSize: BATCH,
        pollMs: 50,
      });
      const started: string[] = [];
      let urgentAt = -1;
      // From the 500th job on, the backlog's jobs wait for the urgent one to be enqueued (so
      // that a fast machine does not drain the backlog first).
      let open = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const low = defineTask('batch-low', { input: t.Object({ n: t.Integer() }), retries: 0 }, async () => {
        started.push('low');
        if (started.length >= 500) await gate;
      });
      const urgent = defineTask('batch-urgent', { input: t.Object({}), retries: 0 }, async () => {
        urgentAt = started.length;
        started.push('urgent');
      });
      const jobs = createJobs({ backend, tasks: [low, urgent], bind: false, db: test.db });
      try {
        for (let i = 0; i < 10_000; i += 1000)
          await jobs.enqueueMany(
            low,
            Array.from({ length: 1000 }, (_, n) => ({ n: i + n })),
          );
        const worker = createWorker(jobs, { concurrency: 4, log, statsInterval: 0 });
        // The workers are into the backlog, their batch grown to its cap.
        await eventually(() => started.length >= 500 || undefined, 60_000);
        const handle = await jobs.enqueue(urgent, {}, { priority: 50 });
        const enqueuedAt = started.length;
        // Claimed while the buffer is full and every slot busy: only jobs that beat the
        // buffer's worst are taken, so it is claimed at once (one statement of its own)...
        await eventually(async () => (await handle.state()) === 'active' || undefined, 30_000);
        expect(started.length).toBe(enqueuedAt);
        open();
        await eventually(() => urgentAt >= 0 || undefined, 60_000);
        await worker.stop();
        // ...and starts in the first slot that frees, ahead of every buffered job: no job
        // started between its enqueue and its start (taken in order, 9,500 would have).
        expect(urgentAt).toBe(enqueuedAt);
        // The stop handed the buffer back: nothing is left leased.
        expect(await rows(test.db, "state = 'active'")).toBe(0);
        expect(await rows(test.db, "state = 'completed'")).toBe(started.length);
      } finally {
        await jobs.close();
        await test.close();
      }
    }, 120_000);
  });

  describe.runIf(run)(`${name}: a worker killed (SIGKILL) holding a buffer of jobs`, () => {
    let dir: string | undefined;
    let close: (() => Promise<void>) | undefined;
    afterAll(async () => {
      killAll();
      await close?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('has every job completed within a lease of the restart; only the running ones run twice', async () => {
      const lease = 3000;
      dir = mkdtempSync(join(tmpdir(), 'basalt-jobs-batch-crash-'));
      let databaseUrl = url();
      let dropSchema: (() => Promise<void>) | undefined;
      if (databaseUrl) {
        // An empty schema of its own (dropped at the end); the app creates its tables in it.
        const schema = await createTestDatabase({ models: [], url: databaseUrl });
        databaseUrl = schema.url;
        dropSchema = () => schema.close();
      } else databaseUrl = `sqlite:${join(dir, 'app.db')}`;
      const env = { DATABASE_URL: databaseUrl, JOBS_LEASE: String(lease), JOBS_POLL_INTERVAL: '100' };
      const app = await createApp(jobsApp, { envFile: false, env: { ...env, LOG_LEVEL: 'silent' } });
      await app.db!.createTables();
      const db = app.db!;
      const backend = databaseBackend({ db, pollMs: 100 });
      const jobs = createJobs({ backend, tasks: [nap], bind: false, db });
      close = async () => {
        await backend.close();
        await app.stop();
        await dropSchema?.();
      };
      // Each job runs for a minute the first time; once the worker is dead, the skip file
      // makes the runs after recovery short, so what is measured is the recovery.
      const skipFile = join(dir, 'skip');
      const markers = Array.from({ length: 40 }, (_, i) => join(dir!, `job-${i}`));
      const handles = await Promise.all(
        markers.map((startedFile) => jobs.enqueue(nap, { ms: 60_000, startedFile, skipFile })),
      );
      const first = startBasalt(['worker', '--concurrency', '4'], env);
      const firstPid = first.child.pid!;
      // Four jobs running (their attempts written), more claimed into the buffer.
      await eventually(
        async () =>
          (await rows(db, "state = 'active' and started_at is not null")) === 4 &&
          (await rows(db, "state = 'active' and started_at is null")) >= 4,
        60_000,
      );
      // What the worker holds as it dies: the jobs it runs, and the ones waiting in its buffer.
      const held = async (started: boolean) => {
        const { rows: ids } = await sql<{
          id: number | string;
        }>`select id from basalt_job where state = 'active' and started_at is ${sql.raw(started ? 'not null' : 'null')}`.execute(
          db.kysely,
        );
        return new Set(ids.map((r) => String(r.id)));
      };
      const runningIds = await held(true);
      const bufferedIds = await held(false);
      expect(runningIds.size).toBe(4);
      expect(bufferedIds.size).toBeGreaterThanOrEqual(4);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      writeFileSync(skipFile, '');

      const second = startBasalt(['worker', '--concurrency', '4'], env);
      const secondPid = second.child.pid!;
      await waitFor(second, /worker started/, 60_000);
      const startedAt = Date.now();
      await eventually(
        async () =>
          (await Promise.all(handles.map((h) => h.state()))).every((s) => s === 'completed') || undefined,
        lease + 30_000,
      );
      // The bound the docs promise, measured generously from the second worker's start-up line.
      expect(Date.now() - startedAt).toBeLessThanOrEqual(lease + 5000);
      /** How many times a job ran in a process (its marker has a line per run). */
      const runs = (i: number, pid: number) => {
        const file = `${markers[i]}.${pid}`;
        return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0;
      };
      const records = await Promise.all(handles.map((h) => h.get()));
      let again = 0;
      for (const [i, record] of records.entries()) {
        const id = handles[i]!.id;
        const before = runs(i, firstPid);
        const after = runs(i, secondPid);
        // Every job ran exactly once after the crash, and at most once before it: only the ones
        // the dead worker was running ran before, each once.
        expect(after).toBe(1);
        expect(before).toBe(runningIds.has(id) ? 1 : 0);
        if (before) again += 1;
        // A run cut short by the crash counts; a job that waited in the buffer lost nothing.
        expect(record).toMatchObject({
          state: 'completed',
          attempts: before ? 2 : 1,
          result: { pid: secondPid },
        });
      }
      // Re-executions: no more than the concurrency (the four that were running).
      expect(again).toBe(4);
      // A job that waited in the dead worker's buffer ran once in all, with one attempt.
      const index = new Map(handles.map((h, i) => [h.id, i]));
      for (const id of bufferedIds) {
        const i = index.get(id)!;
        expect(runs(i, firstPid) + runs(i, secondPid)).toBe(1);
        expect(records[i]?.attempts).toBe(1);
      }
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }, 150_000);
  });
}

batchSuite('SQLite', true, () => undefined);
batchSuite('PostgreSQL', hasPostgres, () => POSTGRES_URL);
