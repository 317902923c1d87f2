import { randomUUID } from 'node:crypto';
import { t } from 'basalt/http';
import {
  createJobs,
  databaseBackend,
  defineSchedule,
  defineTask,
  JobModel,
  JobScheduleModel,
  type JobsBackend,
  loadRedisBackend,
} from 'basalt/jobs';
import { createTestDatabase } from 'basalt/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduler, tickKey } from '../../src/jobs/scheduler.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { hasRedis, REDIS_URL } from '../support/redis.js';
import { eventually } from './backend.contract.js';
import { dropPrefix } from './support.js';

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('defineSchedule', () => {
  const report = defineTask('report', { input: t.Object({ day: t.String() }) }, () => null);

  it('reads the cron expression in its time zone', () => {
    const paris = defineSchedule('0 3 * * *', report, { day: 'x' }, { timezone: 'Europe/Paris' });
    // 03:00 in Paris in November (UTC+1) is 02:00 UTC.
    expect(paris.next(new Date('2026-11-24T12:00:00Z'))?.toISOString()).toBe('2026-11-25T02:00:00.000Z');
    const utc = defineSchedule('0 3 * * *', report, { day: 'x' });
    expect(utc.next(new Date('2026-11-24T12:00:00Z'))?.toISOString()).toBe('2026-11-25T03:00:00.000Z');
    expect(utc.name).toBe('report@0 3 * * *');
  });

  it('refuses a bad expression, time zone, catch-up or input when declared', () => {
    expect(() => defineSchedule('61 * * * *', report, { day: 'x' })).toThrow(
      expect.objectContaining({ code: 'BASALT_JOBS_INVALID_SCHEDULE' }),
    );
    expect(() => defineSchedule('0 3 * * *', report, { day: 'x' }, { timezone: 'Mars/Olympus' })).toThrow(
      expect.objectContaining({ code: 'BASALT_JOBS_INVALID_SCHEDULE' }),
    );
    expect(() => defineSchedule('0 3 * * *', report, { day: 'x' }, { catchUp: -1 })).toThrow(
      expect.objectContaining({ code: 'BASALT_JOBS_INVALID_SCHEDULE' }),
    );
    expect(() => defineSchedule('0 3 * * *', report, { day: 3 } as never)).toThrow(
      expect.objectContaining({
        code: 'BASALT_JOBS_INVALID_SCHEDULE',
        message: expect.stringContaining('report'),
      }),
    );
  });
});

interface Harness {
  backend: () => Promise<JobsBackend>;
  close(): Promise<void>;
}

const harnesses: { name: string; make: () => Promise<Harness> }[] = [
  {
    name: 'database on SQLite',
    make: async () => {
      const test = await createTestDatabase({ models: [JobModel, JobScheduleModel] });
      return { backend: async () => databaseBackend({ db: test.db, pollMs: 50 }), close: () => test.close() };
    },
  },
  ...(hasPostgres
    ? [
        {
          name: 'database on PostgreSQL',
          make: async () => {
            const test = await createTestDatabase({
              models: [JobModel, JobScheduleModel],
              url: POSTGRES_URL,
            });
            return {
              backend: async () => databaseBackend({ db: test.db, pollMs: 50 }),
              close: () => test.close(),
            };
          },
        },
      ]
    : []),
  ...(hasRedis
    ? [
        {
          name: 'Redis',
          make: async () => {
            const prefix = `basalt-sched-test-${randomUUID().slice(0, 8)}`;
            return {
              backend: () => loadRedisBackend({ url: REDIS_URL, prefix }),
              close: () => dropPrefix(prefix),
            };
          },
        },
      ]
    : []),
];

describe.each(harnesses)('the scheduler on $name', ({ make }) => {
  let harness: Harness;
  const backends: JobsBackend[] = [];
  beforeAll(async () => {
    harness = await make();
  });
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
    await harness?.close();
  });
  const backend = async () => {
    const made = await harness.backend();
    backends.push(made);
    return made;
  };

  it('enqueues exactly one job per tick with three schedulers running', async () => {
    const tick = defineTask(`tick-${randomUUID().slice(0, 6)}`, { input: t.Object({}) }, () => null);
    const every = defineSchedule('* * * * * *', tick, {});
    // Three schedulers, each with its own client (as three processes would have).
    const schedulers = await Promise.all(
      [1, 2, 3].map(async () =>
        createScheduler(createJobs({ backend: await backend(), tasks: [tick], bind: false }), [every], {
          log,
        }),
      ),
    );
    const jobs = createJobs({ backend: backends[0]!, tasks: [tick], bind: false });
    await eventually(async () => (await jobs.list({ task: tick.name })).length >= 3);
    await Promise.all(schedulers.map((s) => s.stop()));
    await sleep(50);
    const listed = await jobs.list({ task: tick.name, limit: 100 });
    const keys = listed.map((j) => j.idempotencyKey);
    expect(new Set(keys).size).toBe(listed.length);
    for (const job of listed) {
      expect(job.idempotencyKey).toBe(`${tick.name}/${tickKey(every, job.runAt)}`);
      expect(job.runAt.getMilliseconds()).toBe(0);
    }
  });

  it('enqueues the last missed ticks once on start when catchUp allows, none otherwise', async () => {
    const tick = defineTask(`missed-${randomUUID().slice(0, 6)}`, { input: t.Object({}) }, () => null);
    const hourly = defineSchedule('0 * * * *', tick, {}, { catchUp: 2 });
    const skipping = defineSchedule('30 * * * *', tick, {}, { name: `skip-${tick.name}` });
    const made = await backend();
    const jobs = createJobs({ backend: made, tasks: [tick], bind: false });
    // The last ticks enqueued were five hours ago (a scheduler was down since).
    const past = new Date(Date.now() - 5 * 3_600_000);
    await made.recordTick(hourly.name, hourly.previous(1, past)[0]!);
    await made.recordTick(skipping.name, skipping.previous(1, past)[0]!);
    const scheduler = createScheduler(jobs, [hourly, skipping], { log });
    await eventually(async () => (await jobs.list({ task: tick.name })).length >= 2);
    await sleep(200);
    await scheduler.stop();
    const listed = await jobs.list({ task: tick.name });
    const expected = hourly.previous(2, new Date()).map((d) => d.toISOString());
    expect(listed.map((j) => j.runAt.toISOString()).sort()).toEqual(expected.sort());
    // A restart does not enqueue them again.
    const again = createScheduler(jobs, [hourly, skipping], { log });
    await sleep(300);
    await again.stop();
    expect(await jobs.list({ task: tick.name })).toHaveLength(2);
  });
});
