import { Writable } from 'node:stream';
import type { BasaltApp } from 'basalt';
import { sql } from 'basalt/db';
import { t } from 'basalt/http';
import {
  createJobs,
  createWorker,
  databaseBackend,
  defineTask,
  getJobs,
  JobModel,
  JobScheduleModel,
  type JobsBackend,
} from 'basalt/jobs';
import { createTestDatabase, type TestDatabase } from 'basalt/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './backend.contract.js';

const silent = pino({ level: 'silent' });

describe('workers on the database queue', () => {
  let test: TestDatabase;
  let backend: JobsBackend;
  beforeAll(async () => {
    test = await createTestDatabase({ models: [JobModel, JobScheduleModel] });
    backend = databaseBackend({ db: test.db, pollMs: 50, leaseMs: 1000 });
  });
  afterAll(async () => {
    await backend.close();
    await test.close();
  });

  it('logs the jobs per state and its own figures at the stats interval', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
          done();
        },
      }),
    );
    const ping = defineTask('stats-ping', { input: t.Object({}), queue: 'stats' }, () => 'pong');
    const jobs = createJobs({ backend, tasks: [ping], bind: false });
    const worker = createWorker(jobs, { log, statsInterval: 50 });
    try {
      await (await jobs.enqueue(ping, {})).result();
      const stats = await eventually(() => lines.find((l) => l.msg === 'jobs stats'));
      expect(stats).toMatchObject({
        counts: { completed: expect.any(Number), queued: expect.any(Number), failed: 0 },
        worker: { started: expect.any(Number), meanWaitMs: expect.any(Number) },
      });
      expect(lines.find((l) => l.msg === 'job completed')).toMatchObject({ task: 'stats-ping' });
    } finally {
      await worker.stop();
    }
    expect(lines.at(-1)).toMatchObject({ msg: 'worker stopped', completed: 1 });
  });

  it('tells a running job it was cancelled through its signal, and records nothing after', async () => {
    let aborted: unknown;
    const long = defineTask('cancel-me', { input: t.Object({}), queue: 'cancel' }, ({ signal }) => {
      return new Promise((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = signal.reason;
          resolve('too late');
        });
      });
    });
    const jobs = createJobs({ backend, tasks: [long], bind: false });
    const worker = createWorker(jobs, { log: silent });
    try {
      const job = await jobs.enqueue(long, {});
      await eventually(async () => (await job.state()) === 'active');
      expect(await jobs.cancel(job.id)).toMatchObject({ state: 'cancelled' });
      await eventually(() => aborted);
      expect(String(aborted)).toMatch(/cancelled or its lease was lost/);
      expect(await job.get()).toMatchObject({ state: 'cancelled', result: null });
    } finally {
      await worker.stop();
    }
  });

  it("gives a handler the jobs client's app as ctx.app, and a clear error without one", async () => {
    const config = defineTask('read-app', { input: t.Object({}), queue: 'app', retries: 0 }, ({ app }) => ({
      env: app.config.NODE_ENV,
    }));
    const app = { config: { NODE_ENV: 'from-the-app' } } as unknown as BasaltApp;
    const withApp = createJobs({ backend, tasks: [config], bind: false, app });
    const worker = createWorker(withApp, { log: silent });
    try {
      expect(await (await withApp.enqueue(config, {})).result()).toEqual({ env: 'from-the-app' });
    } finally {
      await worker.stop();
    }
    const bare = createJobs({ backend, tasks: [config], bind: false });
    const bareWorker = createWorker(bare, { log: silent });
    try {
      const job = await bare.enqueue(config, {});
      await eventually(async () => (await job.state()) === 'failed');
      expect((await job.get())?.error).toMatch(
        /reads ctx.app, but this jobs client was created without an app/,
      );
    } finally {
      await bareWorker.stop();
    }
  });

  it('never claims a job whose task this worker does not know: it waits, attempts unused', async () => {
    const known = defineTask('known-task', { input: t.Object({}), queue: 'mixed', retries: 0 }, () => null);
    const other = defineTask('other-task', { input: t.Object({}), queue: 'mixed', retries: 0 }, () => null);
    const producer = createJobs({ backend, tasks: [known, other], bind: false });
    const waiting = await producer.enqueue(other, {});
    const ready = await producer.enqueue(known, {});
    const worker = createWorker(createJobs({ backend, tasks: [known], bind: false }), { log: silent });
    try {
      // The later job of its own task ran; the earlier one of another task was stepped over.
      await ready.result();
      expect(await waiting.get()).toMatchObject({
        state: 'queued',
        attempts: 0,
        error: null,
        startedAt: null,
      });
      const { rows } = await sql<{
        locked_by: string | null;
      }>`select locked_by from basalt_job where id = ${Number(waiting.id)}`.execute(test.db.kysely);
      expect(rows).toEqual([{ locked_by: null }]);
    } finally {
      await worker.stop();
    }
    const newer = createWorker(createJobs({ backend, tasks: [other], bind: false }), { log: silent });
    try {
      await waiting.result();
      expect(await waiting.get()).toMatchObject({ state: 'completed', attempts: 1 });
    } finally {
      await newer.stop();
    }
  });

  it('refuses a bad concurrency, and tasks that share a name', () => {
    const a = defineTask('same-name', { input: t.Object({}) }, () => null);
    const b = defineTask('same-name', { input: t.Object({}) }, () => null);
    const jobs = createJobs({ backend, tasks: [a], bind: false });
    expect(() => createWorker(jobs, { log: silent, concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createJobs({ backend, tasks: [a, b], bind: false })).toThrow(/Two tasks are named/);
    expect(() => defineTask('bad name!', { input: t.Object({}) }, () => null)).toThrow(/Task name/);
    expect(() => defineTask('ok', { input: t.Object({}), retries: -1 }, () => null)).toThrow(/retries/);
  });

  it('refuses to enqueue a task no started app lists, or one the client does not list', async () => {
    const loose = defineTask('never-registered', { input: t.Object({}) }, () => null);
    await expect(loose.enqueue({})).rejects.toMatchObject({ code: 'BASALT_JOBS_NOT_CONFIGURED' });
    const jobs = createJobs({ backend, tasks: [], bind: false });
    await expect(jobs.enqueue(loose, {})).rejects.toMatchObject({ code: 'BASALT_JOBS_UNKNOWN_TASK' });
    expect(() => getJobs({ config: {} as never, db: undefined })).toThrow(
      expect.objectContaining({ code: 'BASALT_JOBS_NOT_CONFIGURED' }),
    );
  });
});
