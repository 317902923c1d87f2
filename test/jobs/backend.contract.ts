import type { Database } from 'basalt/db';
import { t } from 'basalt/http';
import {
  type AnyTask,
  createJobs,
  createWorker,
  defineTask,
  type Jobs,
  type JobsBackend,
  PermanentError,
  type TaskOptions,
  type Worker,
} from 'basalt/jobs';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** What each backend's test file gives the shared suite. */
export interface ContractHarness {
  backend: JobsBackend;
  /** A database for transactional enqueue (the queue's own on the database backend). */
  db: Database;
  close(): Promise<void>;
}

const log = pino({ level: process.env.JOBS_TEST_LOG ?? 'silent' });
const Input = t.Object({ n: t.Integer() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds (or 10 s pass). */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/**
 * The behaviour every jobs backend must show: the database queue on SQLite and PostgreSQL,
 * and Redis through BullMQ, run this same suite.
 */
export function runBackendContract(name: string, make: () => Promise<ContractHarness>): void {
  describe(`jobs backend contract: ${name}`, () => {
    let harness: ContractHarness;
    let counter = 0;
    const workers: Worker[] = [];
    const clients: Jobs[] = [];

    beforeAll(async () => {
      harness = await make();
    });
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
    });
    afterAll(async () => {
      await harness?.close();
    });

    /** A task of its own queue (unique per test), so tests never see each other's jobs. */
    function task<R>(
      options: Omit<TaskOptions<typeof Input>, 'input' | 'queue'>,
      handler: (n: number, attempt: number) => Promise<R> | R,
    ) {
      counter += 1;
      return defineTask(
        `contract-${counter}`,
        { input: Input, queue: `q${counter}-${Math.random().toString(36).slice(2, 8)}`, ...options },
        ({ input, job }) => handler(input.n, job.attempt),
      );
    }
    function client(...tasks: AnyTask[]): Jobs {
      const jobs = createJobs({ backend: harness.backend, tasks, bind: false, db: harness.db });
      clients.push(jobs);
      return jobs;
    }
    function work(jobs: Jobs, concurrency = 1, shutdownTimeout = 5000): Worker {
      const worker = createWorker(jobs, { concurrency, log, shutdownTimeout });
      workers.push(worker);
      return worker;
    }

    it('runs an enqueued job and keeps its result', async () => {
      const double = task({}, (n) => ({ doubled: n * 2 }));
      const jobs = client(double);
      const job = await jobs.enqueue(double, { n: 21 });
      expect(['queued', 'active', 'completed']).toContain(await job.state());
      work(jobs);
      expect(await job.result()).toEqual({ doubled: 42 });
      const record = await job.get();
      expect(record).toMatchObject({ state: 'completed', task: double.name, input: { n: 21 }, attempts: 1 });
      expect(record?.finishedAt).toBeInstanceOf(Date);
      // Its start is recorded too (on the database, written with its completion).
      expect(record?.startedAt).toBeInstanceOf(Date);
      expect(record!.startedAt!.getTime()).toBeLessThanOrEqual(record!.finishedAt!.getTime());
    });

    it('refuses a bad payload at enqueue with a 400 error and stores nothing', async () => {
      const noop = task({}, () => null);
      const jobs = client(noop);
      const error = await jobs.enqueue(noop, { n: 'one' } as never).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BASALT_JOBS_INVALID_INPUT', status: 400 });
      expect((error as { errors: unknown[] }).errors).toEqual([
        expect.objectContaining({ pointer: '/input/n', code: 'type' }),
      ]);
      await expect(jobs.enqueue(noop, {} as never)).rejects.toMatchObject({
        code: 'BASALT_JOBS_INVALID_INPUT',
      });
      await expect(jobs.enqueue(noop, { n: 1 }, { priority: 500 })).rejects.toMatchObject({
        code: 'BASALT_JOBS_INVALID_OPTIONS',
      });
      await expect(jobs.enqueue(noop, { n: 1 }, { delay: -5 })).rejects.toMatchObject({
        code: 'BASALT_JOBS_INVALID_OPTIONS',
      });
      expect(await jobs.list({ task: noop.name })).toEqual([]);
    });

    it('retries a failing job with its backoff, then completes it', async () => {
      const starts: number[] = [];
      const flaky = task({ retries: 3, backoff: { type: 'fixed', delay: 250, jitter: 0 } }, (_n, attempt) => {
        starts.push(Date.now());
        if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
        return 'ok';
      });
      const jobs = client(flaky);
      work(jobs);
      const job = await jobs.enqueue(flaky, { n: 1 });
      expect(await job.result()).toBe('ok');
      expect(starts).toHaveLength(3);
      // Each retry waited at least its backoff (a lower bound, not a timing target).
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(240);
      expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(240);
      expect(await job.get()).toMatchObject({ state: 'completed', attempts: 3 });
    });

    it('backs off exponentially between attempts', async () => {
      const starts: number[] = [];
      const flaky = task({ retries: 2, backoff: { type: 'exponential', delay: 150, jitter: 0 } }, () => {
        starts.push(Date.now());
        throw new Error('always');
      });
      const jobs = client(flaky);
      work(jobs);
      const job = await jobs.enqueue(flaky, { n: 1 });
      await eventually(async () => (await job.state()) === 'failed');
      expect(starts).toHaveLength(3);
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(140);
      expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(290);
    });

    it('dead-letters a job after its last retry, keeping the error and its stack', async () => {
      const broken = task({ retries: 1, backoff: { type: 'fixed', delay: 10 } }, function explode() {
        throw new TypeError('the printer is on fire');
      });
      const jobs = client(broken);
      work(jobs);
      const job = await jobs.enqueue(broken, { n: 7 });
      await eventually(async () => (await job.state()) === 'failed');
      const record = await job.get();
      expect(record).toMatchObject({
        state: 'failed',
        attempts: 2,
        maxAttempts: 2,
        error: 'the printer is on fire',
      });
      expect(record?.stack).toContain('TypeError: the printer is on fire');
      expect(record?.stack).toContain('explode');
      await expect(job.result()).rejects.toMatchObject({ code: 'BASALT_JOBS_INVALID_STATE' });
      expect((await jobs.list({ state: 'failed', task: broken.name })).map((j) => j.id)).toEqual([job.id]);
    });

    it('fails a job at once on a PermanentError, with its retries unused, keeping the error', async () => {
      let runs = 0;
      const declined = task({ retries: 3, backoff: { type: 'fixed', delay: 10 } }, function charge() {
        runs += 1;
        throw new PermanentError('the card was declined', { cause: new Error('402 from the bank') });
      });
      const jobs = client(declined);
      const first = work(jobs);
      const job = await jobs.enqueue(declined, { n: 1 });
      await eventually(async () => (await job.state()) === 'failed');
      const record = await job.get();
      expect(record).toMatchObject({
        state: 'failed',
        attempts: 1,
        maxAttempts: 4,
        error: 'the card was declined',
      });
      expect(record?.stack).toContain('PermanentError: the card was declined');
      expect(record?.stack).toContain('charge');
      expect(runs).toBe(1);
      // A plain error from the same task is retried: the PermanentError made the difference.
      await first.stop();
      let plainRuns = 0;
      const flaky = task({ retries: 3, backoff: { type: 'fixed', delay: 10 } }, () => {
        plainRuns += 1;
        throw new Error('the bank is down');
      });
      const other = client(flaky);
      work(other);
      const retried = await other.enqueue(flaky, { n: 1 });
      await eventually(async () => (await retried.state()) === 'failed');
      expect(await retried.get()).toMatchObject({ attempts: 4, error: 'the bank is down' });
      expect(plainRuns).toBe(4);
    });

    it('gives each worker only jobs of the tasks it has, using no attempt of the others', async () => {
      // Two versions of an app on one queue (a rolling deploy): the old one lacks `fresh`.
      counter += 1;
      const queue = `shared-${counter}-${Math.random().toString(36).slice(2, 8)}`;
      const ranOld: number[] = [];
      const ranNew: number[] = [];
      const known = defineTask(
        `contract-known-${counter}`,
        { input: Input, queue, retries: 0 },
        ({ input }) => {
          ranOld.push(input.n);
          return input.n;
        },
      );
      const fresh = defineTask(
        `contract-fresh-${counter}`,
        { input: Input, queue, retries: 0 },
        ({ input }) => {
          ranNew.push(input.n);
          return input.n;
        },
      );
      const both = client(known, fresh);
      const freshJobs = await both.enqueueMany(
        fresh,
        Array.from({ length: 20 }, (_, n) => ({ n: 100 + n })),
      );
      const knownJobs = await both.enqueueMany(
        known,
        Array.from({ length: 20 }, (_, n) => ({ n })),
      );
      work(client(known), 2);
      expect(await Promise.all(knownJobs.map((h) => h.result()))).toEqual(
        Array.from({ length: 20 }, (_, n) => n),
      );
      // The old worker ran its own jobs only; the others wait, with every attempt left.
      expect(ranNew).toEqual([]);
      for (const record of await Promise.all(freshJobs.map((h) => h.get())))
        expect(record).toMatchObject({ state: expect.stringMatching(/^(queued|delayed)$/), attempts: 0 });
      // The new version's worker (it has only `fresh`) takes them, the old one still running.
      work(client(fresh), 2);
      expect(await Promise.all(freshJobs.map((h) => h.result()))).toEqual(
        Array.from({ length: 20 }, (_, n) => 100 + n),
      );
      for (const record of await Promise.all(freshJobs.map((h) => h.get())))
        expect(record).toMatchObject({ state: 'completed', attempts: 1 });
      expect(ranOld.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
      expect(ranNew.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => 100 + n));
    });

    it('retries a dead-lettered job on request, with a fresh set of attempts', async () => {
      let fail = true;
      const once = task({ retries: 0 }, () => {
        if (fail) throw new Error('not yet');
        return 'done';
      });
      const jobs = client(once);
      work(jobs);
      const job = await jobs.enqueue(once, { n: 1 });
      await eventually(async () => (await job.state()) === 'failed');
      fail = false;
      await expect(jobs.retry('999999999')).rejects.toMatchObject({ code: 'BASALT_JOBS_JOB_NOT_FOUND' });
      const again = await jobs.retry(job.id);
      expect(['queued', 'active', 'completed']).toContain(again.state);
      expect(await job.result()).toBe('done');
      await expect(jobs.retry(job.id)).rejects.toMatchObject({
        code: 'BASALT_JOBS_INVALID_STATE',
        status: 409,
      });
    });

    it('holds a delayed job until its time', async () => {
      let startedAt = 0;
      const later = task({}, () => {
        startedAt = Date.now();
      });
      const jobs = client(later);
      work(jobs);
      const enqueuedAt = Date.now();
      const job = await jobs.enqueue(later, { n: 1 }, { delay: 400 });
      expect(await job.state()).toBe('delayed');
      await job.result();
      expect(startedAt - enqueuedAt).toBeGreaterThanOrEqual(390);
      const atTime = await jobs.enqueue(later, { n: 2 }, { runAt: new Date(Date.now() + 200) });
      expect(await atTime.state()).toBe('delayed');
      await atTime.result();
    });

    it('takes waiting jobs by priority, then in order', async () => {
      const order: number[] = [];
      const ordered = task({}, (n) => {
        order.push(n);
      });
      const jobs = client(ordered);
      const handles = [
        await jobs.enqueue(ordered, { n: 1 }),
        await jobs.enqueue(ordered, { n: 2 }, { priority: 10 }),
        await jobs.enqueue(ordered, { n: 3 }),
        await jobs.enqueue(ordered, { n: 4 }, { priority: -10 }),
        await jobs.enqueue(ordered, { n: 5 }, { priority: 50 }),
      ];
      work(jobs, 1);
      for (const handle of handles) await handle.result();
      expect(order).toEqual([5, 2, 1, 3, 4]);
    });

    it('adds one job per idempotency key', async () => {
      let runs = 0;
      const once = task({ unique: (input) => `n-${input.n}` }, () => {
        runs += 1;
      });
      const jobs = client(once);
      const first = await jobs.enqueue(once, { n: 1 }, { idempotencyKey: 'order:42' });
      const second = await jobs.enqueue(once, { n: 2 }, { idempotencyKey: 'order:42' });
      expect(second.id).toBe(first.id);
      const byInput = await jobs.enqueue(once, { n: 9 });
      expect((await jobs.enqueue(once, { n: 9 })).id).toBe(byInput.id);
      work(jobs);
      await first.result();
      await byInput.result();
      // Still one job per key once they have run.
      expect((await jobs.enqueue(once, { n: 3 }, { idempotencyKey: 'order:42' })).id).toBe(first.id);
      expect(runs).toBe(2);
      expect(await first.get()).toMatchObject({ input: { n: 1 } });
    });

    it('enqueues many jobs at once, in order, one per idempotency key', async () => {
      const seen: number[] = [];
      const many = task({ unique: (input) => `n-${input.n}` }, (n) => {
        seen.push(n);
        return n * 10;
      });
      const jobs = client(many);
      const earlier = await jobs.enqueue(many, { n: 2 });
      // 1,200 jobs: more than one statement on the database; 2 is taken, and 7 is given twice.
      const inputs = [...Array.from({ length: 1200 }, (_, i) => ({ n: i + 1 })), { n: 7 }];
      const handles = await jobs.enqueueMany(many, inputs);
      expect(handles).toHaveLength(inputs.length);
      expect(handles[1]!.id).toBe(earlier.id);
      expect(handles[1200]!.id).toBe(handles[6]!.id);
      expect(new Set(handles.map((h) => h.id)).size).toBe(1200);
      expect(await handles[41]!.get()).toMatchObject({ input: { n: 42 }, task: many.name });
      for (const w of [1, 2, 3]) work(jobs, w);
      expect(await handles[1199]!.result({ timeout: 60_000 })).toBe(12_000);
      // Every job ran (workers buffer jobs of their own: the last one may finish before others).
      await eventually(() => seen.length >= 1200 || undefined, 60_000);
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
      expect(await jobs.enqueueMany(many, [])).toEqual([]);
    });

    it('gives each of many concurrent enqueues its own job, delayed ones included', async () => {
      const double = task({}, (n) => n * 2);
      const jobs = client(double);
      // Enqueued in the same turn: PostgreSQL inserts them together (one statement).
      const handles = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          jobs.enqueue(double, { n: i }, i % 10 === 9 ? { delay: 300 } : {}),
        ),
      );
      expect(new Set(handles.map((h) => h.id)).size).toBe(40);
      const records = await Promise.all(handles.map((h) => h.get()));
      expect(records.map((r) => r?.input)).toEqual(Array.from({ length: 40 }, (_, i) => ({ n: i })));
      expect(records[9]?.state).toBe('delayed');
      work(jobs, 4);
      expect(await Promise.all(handles.map((h) => h.result()))).toEqual(
        Array.from({ length: 40 }, (_, i) => i * 2),
      );
    });

    it('refuses a whole batch when one input is bad, and adds nothing', async () => {
      const noop = task({}, () => null);
      const jobs = client(noop);
      await expect(jobs.enqueueMany(noop, [{ n: 1 }, { n: 'two' } as never])).rejects.toMatchObject({
        code: 'BASALT_JOBS_INVALID_INPUT',
      });
      expect(await jobs.list({ task: noop.name })).toEqual([]);
    });

    it('keeps no job of a batch enqueued in a rolled-back transaction', async () => {
      const recorded = task({}, (n) => n);
      const jobs = client(recorded);
      await harness.db
        .transaction(async (tx) => {
          await jobs.enqueueMany(recorded, [{ n: 1 }, { n: 2 }], { db: tx });
          throw new Error('roll back');
        })
        .catch(() => undefined);
      const committed = await harness.db.transaction((tx) =>
        jobs.enqueueMany(recorded, [{ n: 3 }, { n: 4 }], { db: tx }),
      );
      work(jobs);
      expect(await Promise.all(committed.map((h) => h.result()))).toEqual([3, 4]);
      expect(
        (await jobs.list({ task: recorded.name }))
          .map((j) => j.input)
          .sort((a, b) => (a as { n: number }).n - (b as { n: number }).n),
      ).toEqual([{ n: 3 }, { n: 4 }]);
    });

    it('keeps no job of a rolled-back transaction and the job of a committed one', async () => {
      const recorded = task({}, (n) => n);
      const jobs = client(recorded);
      const error = await harness.db
        .transaction(async (tx) => {
          await jobs.enqueue(recorded, { n: 1 }, { db: tx });
          throw new Error('roll back');
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ message: 'roll back' });
      const committed = await harness.db.transaction((tx) => jobs.enqueue(recorded, { n: 2 }, { db: tx }));
      work(jobs);
      expect(await committed.result()).toBe(2);
      expect((await jobs.list({ task: recorded.name })).map((j) => j.input)).toEqual([{ n: 2 }]);
    });

    it('fails a job that runs past its timeout, and retries it per policy', async () => {
      let attempts = 0;
      const slow = task({ timeout: 150, retries: 1, backoff: { type: 'fixed', delay: 10 } }, async () => {
        attempts += 1;
        await sleep(2_000);
      });
      const jobs = client(slow);
      work(jobs, 2);
      const job = await jobs.enqueue(slow, { n: 1 });
      await eventually(async () => (await job.state()) === 'failed');
      expect(attempts).toBe(2);
      expect((await job.get())?.error).toMatch(/ran past its timeout of 150 ms/);
    });

    it('cancels a waiting job, which then never runs', async () => {
      let runs = 0;
      const never = task({}, () => {
        runs += 1;
      });
      const jobs = client(never);
      const job = await jobs.enqueue(never, { n: 1 }, { delay: 300 });
      await jobs.cancel(job.id);
      expect([null, 'cancelled']).toContain(await job.state());
      work(jobs);
      await sleep(600);
      expect(runs).toBe(0);
      await expect(jobs.cancel('424242424')).rejects.toMatchObject({ code: 'BASALT_JOBS_JOB_NOT_FOUND' });
    });

    it('counts jobs per state and purges finished ones', async () => {
      const quick = task({}, () => 1);
      const jobs = client(quick);
      const waiting = await jobs.enqueue(quick, { n: 2 }, { delay: 60_000 });
      const counts = await jobs.counts();
      expect(counts.delayed).toBeGreaterThanOrEqual(1);
      work(jobs);
      const done = await jobs.enqueue(quick, { n: 1 });
      await done.result();
      expect((await jobs.counts()).completed).toBeGreaterThanOrEqual(1);
      expect(await jobs.purge({ state: 'completed' })).toBeGreaterThanOrEqual(1);
      expect(await done.get()).toBeNull();
      expect(await waiting.state()).toBe('delayed');
      await jobs.cancel(waiting.id);
    });

    it('counts jobs queue by queue', async () => {
      const first = task({}, () => 1);
      const second = task({}, () => 2);
      const jobs = client(first, second);
      const handles = [
        await jobs.enqueue(first, { n: 1 }, { delay: 60_000 }),
        await jobs.enqueue(first, { n: 2 }, { delay: 60_000 }),
        await jobs.enqueue(second, { n: 3 }, { delay: 60_000 }),
      ];
      const byQueue = await jobs.countsByQueue();
      expect(byQueue[first.queue]).toMatchObject({ delayed: 2, active: 0, completed: 0 });
      expect(byQueue[second.queue]).toMatchObject({ delayed: 1, active: 0 });
      // Other tests' jobs may still move between the two reads: only this test's are compared.
      expect((await jobs.counts()).delayed).toBeGreaterThanOrEqual(3);
      for (const handle of handles) await jobs.cancel(handle.id);
    });

    it('lets running jobs finish when a worker stops', async () => {
      const finished: number[] = [];
      const slowish = task({}, async (n) => {
        await sleep(300);
        finished.push(n);
      });
      const jobs = client(slowish);
      const worker = work(jobs, 2);
      const a = await jobs.enqueue(slowish, { n: 1 });
      const b = await jobs.enqueue(slowish, { n: 2 });
      await eventually(async () => (await a.state()) === 'active' && (await b.state()) === 'active');
      await worker.stop();
      expect(finished.sort()).toEqual([1, 2]);
      expect(await a.state()).toBe('completed');
      expect(await b.state()).toBe('completed');
    });
  });
}
