import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { defineApp } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { get, post, t } from 'basalt/http';
import { createWorker, defineSchedule, defineTask, getJobs, jobs, type Worker } from 'basalt/jobs';
import { storage } from 'basalt/storage';
import { createTestClient, type TestClient, type TestResponse } from 'basalt/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.js';
import { createSessionClient, type SessionClient, sessionHelpers } from '../auth/sessions/session-app.js';
import { startS3Server } from '../storage/support/s3-server.js';
import { CAN_RUN_POSTGRES, freePort, PrivatePostgres, until } from '../support/private-postgres.js';

// Each outage is real: a Redis and a PostgreSQL of this file's own, stopped and started again.

const HAS_REDIS_SERVER = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const CAN_RUN = CAN_RUN_POSTGRES && HAS_REDIS_SERVER;
if (!CAN_RUN && process.env.BASALT_REQUIRE_SERVICES)
  throw new Error('The outage suite needs redis-server and PostgreSQL binaries (/usr/lib/postgresql/*/bin)');

/** A private redis-server: no persistence, its own port. */
class PrivateRedis {
  readonly port: number;
  #process: ChildProcess | undefined;
  constructor(port: number) {
    this.port = port;
  }
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.#process = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    );
    await until('Redis to answer', async () => {
      const probe = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    });
  }
  async stop(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** A TCP server that accepts connections and never says a word: a hung service. */
async function silentServer(): Promise<{ url: (scheme: string) => string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (scheme) => `${scheme}://postgres@127.0.0.1:${port}/${scheme === 'redis' ? '0' : 'postgres'}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const ran = new Map<number, number>();
const record = defineTask(
  'outage-record',
  { input: t.Object({ n: t.Integer() }), retries: 0 },
  ({ input }) => {
    ran.set(input.n, (ran.get(input.n) ?? 0) + 1);
    return null;
  },
);

/** The ids of the pulse jobs that ran (a tick's job id carries the tick). */
const pulses = new Set<string>();
const pulse = defineTask('outage-pulse', { input: t.Object({}), retries: 0 }, ({ job }) => {
  pulses.add(job.id);
  return null;
});
const PULSE_MS = 5000;
const everyFive = defineSchedule('*/5 * * * * *', pulse, {}, { name: 'outage-pulse' });

const Thing = defineModel('outage_thing', { name: f.string({ max: 50 }) });

const outageApp = defineApp({
  name: 'outage',
  modules: [jobs({ tasks: [record, pulse], prefix: false })],
  models: [Thing],
  routes: [
    post('/enqueue', { body: t.Object({ n: t.Integer() }) }, async ({ body, jobs: queue }) => {
      const job = await queue.enqueue(record, { n: body.n });
      return { job: job.id };
    }),
    get('/things', {}, async ({ db }) => ({ count: (await db.query(Thing).all()).length })),
    post('/things', { body: t.Object({ name: t.String() }) }, async ({ body, db }) => {
      const thing = await db.create(Thing, { name: body.name });
      return { id: thing.id };
    }),
    // A row and its job in one transaction: both, or neither.
    post(
      '/things-with-job',
      { body: t.Object({ name: t.String(), n: t.Integer() }) },
      async ({ body, db, jobs: queue }) =>
        db.transaction(async (tx) => {
          const thing = await tx.create(Thing, { name: body.name });
          await queue.enqueue(record, { n: body.n }, { db: tx });
          return { id: thing.id };
        }),
    ),
    // Rate limits fail open: a limit is protection, never the reason for an outage.
    get('/limited', { rateLimit: { max: 1000, window: '1m' } }, () => ({ ok: true })),
  ],
});

/** A 503 problem+json naming the outage, with Retry-After: what a client may retry. */
function expectUnavailable(res: TestResponse): void {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(res.body).toMatchObject({ status: 503, code: 'BASALT_HTTP_SERVICE_UNAVAILABLE' });
}

/** `/health/ready`, which no app route lists (the typed client knows only the app's own). */
const readiness = (on: { request: TestClient<never>['request'] }) =>
  on.request({ method: 'GET', url: '/health/ready' });

const ok = (res: TestResponse) => res.status >= 200 && res.status < 300;

describe.skipIf(!CAN_RUN)('outages', () => {
  let redis: PrivateRedis;
  let pg: PrivatePostgres;
  let client: TestClient<typeof outageApp.routes>;
  let worker: Worker;
  let scheduler: Scheduler;
  const logLines: string[] = [];

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    pg = new PrivatePostgres(await freePort());
    pg.init();
    pg.start();
    await redis.start();
    client = await createTestClient(outageApp, {
      database: { url: pg.url },
      env: {
        REDIS_URL: redis.url,
        JOBS_BACKEND: 'redis',
        JOBS_REDIS_PREFIX: 'outage',
        SERVICE_TIMEOUT: '2',
        LOG_LEVEL: 'warn',
      },
      logger: { destination: { write: (line: string) => void logLines.push(line) } },
    });
    worker = createWorker(await getJobs(client.app), { log: client.app.log, statsInterval: 0 });
    scheduler = createScheduler(await getJobs(client.app), [everyFive], { log: client.app.log });
  }, 60_000);

  afterAll(async () => {
    await scheduler?.stop();
    await worker?.stop();
    await client?.close().catch(() => undefined);
    await redis?.stop();
    pg?.remove();
  }, 60_000);

  it('answers /health/ready 200 while the database and Redis answer', async () => {
    const ready = await readiness(client);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
  });

  it('answers 503 while Redis is down, then runs every acknowledged job exactly once and no refused one', async () => {
    const acknowledged: number[] = [];
    const refused: number[] = [];
    let n = 0;
    const enqueue = async () => {
      n += 1;
      const res = await client.post('/enqueue', { body: { n } });
      if (ok(res)) acknowledged.push(n);
      else {
        expectUnavailable(res);
        refused.push(n);
      }
      return res;
    };

    for (let i = 0; i < 10; i++) expect(ok(await enqueue())).toBe(true);
    // This Redis keeps nothing across a restart: the queue is drained before it goes down.
    await until('the first jobs to run', async () => acknowledged.every((k) => ran.has(k)));

    // The outage spans a tick of the five-second schedule.
    const tick = Math.ceil((Date.now() + 1500) / PULSE_MS) * PULSE_MS;
    const tickIso = new Date(tick).toISOString();
    await until('the moment before a tick', async () => Date.now() >= tick - 1000, PULSE_MS + 2000);
    await redis.stop();
    for (let i = 0; i < 5; i++) expectUnavailable(await enqueue());
    // Refused before the commit: the transaction's row is rolled back with its job.
    n += 1;
    refused.push(n);
    expectUnavailable(await client.post('/things-with-job', { body: { name: 'with-job', n } }));
    expect(await client.db!.query(Thing).where({ name: 'with-job' }).first()).toBeUndefined();
    // Let through uncounted, so without the RateLimit-* headers the document otherwise requires.
    expect(await client.get('/limited', { validateResponse: false })).toMatchObject({
      status: 200,
      body: { ok: true },
    });
    const ready = await readiness(client);
    expectUnavailable(ready);
    expect((ready.body as { detail: string }).detail).toMatch(/redis: /);
    expect((ready.body as { detail: string }).detail).not.toMatch(/database: /);

    await until('the scheduler to be refused its tick', async () =>
      logLines.some((line) => line.includes('schedule tick refused') && line.includes(tickIso)),
    );
    await redis.start();
    await until('/health/ready to answer 200 again', async () => (await readiness(client)).status === 200);
    // Clients retry: each request either was refused (503) or was acknowledged.
    await until('an enqueue to be acknowledged again', async () => ok(await enqueue()));
    for (let i = 0; i < 10; i++) expect(ok(await enqueue())).toBe(true);

    // The worker that lived through the outage reconnects and drains the queue by itself.
    await until('every acknowledged job to run', async () => acknowledged.every((k) => ran.has(k)));
    expect(refused.length).toBeGreaterThanOrEqual(5);
    for (const k of acknowledged) expect(ran.get(k)).toBe(1);
    for (const k of refused) expect(ran.has(k)).toBe(false);
    expect(ran.size).toBe(acknowledged.length);
    // The tick refused during the outage is enqueued once Redis is back, and runs.
    await until('the refused tick to run', async () =>
      [...pulses].some((id) => id.includes(encodeURIComponent(tickIso))),
    );
  }, 60_000);

  it('answers 503 while PostgreSQL is down, and serves again once it is back', async () => {
    expect((await client.post('/things', { body: { name: 'before' } })).status).toBeLessThan(300);
    expect(await client.get('/things')).toMatchObject({ status: 200, body: { count: 1 } });

    pg.stop();
    const logged = logLines.length;
    expectUnavailable(await client.get('/things'));
    expectUnavailable(await client.post('/things', { body: { name: 'during' } }));
    // An outage is logged as a warning naming it, never as an unhandled error.
    const during = logLines.slice(logged).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(during.filter((e) => e.msg === 'unhandled error')).toEqual([]);
    expect(
      during.filter((e) => e.msg === 'service unavailable' && e.level === 40).length,
    ).toBeGreaterThanOrEqual(2);
    const ready = await readiness(client);
    expectUnavailable(ready);
    expect((ready.body as { detail: string }).detail).toMatch(/database: /);

    pg.start();
    await until('the database to answer again', async () => (await client.get('/things')).status === 200);
    expect(await client.get('/things')).toMatchObject({ status: 200, body: { count: 1 } });
    expect((await readiness(client)).status).toBe(200);
  }, 60_000);
});

describe('services that accept connections and never answer', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(() => silent?.close());

  it('gives up on a hung PostgreSQL after SERVICE_TIMEOUT with a 503', async () => {
    const hung = await createTestClient(outageApp, {
      database: false,
      env: { DATABASE_URL: silent.url('postgres'), SERVICE_TIMEOUT: '0.5', JOBS_BACKEND: 'database' },
    });
    try {
      expectUnavailable(await hung.get('/things'));
      const ready = await readiness(hung);
      expectUnavailable(ready);
      expect((ready.body as { detail: string }).detail).toMatch(/database: /);
    } finally {
      await hung.close().catch(() => undefined);
    }
  }, 20_000);

  it('gives up on a hung Redis after SERVICE_TIMEOUT with a 503', async () => {
    const hung = await createTestClient(outageApp, {
      env: { REDIS_URL: silent.url('redis'), JOBS_BACKEND: 'redis', SERVICE_TIMEOUT: '0.5' },
    });
    try {
      expectUnavailable(await hung.post('/enqueue', { body: { n: 1 } }));
      expect(await hung.get('/limited', { validateResponse: false })).toMatchObject({
        status: 200,
        body: { ok: true },
      });
      const ready = await readiness(hung);
      expectUnavailable(ready);
      expect((ready.body as { detail: string }).detail).toMatch(/redis: /);
    } finally {
      await hung.close().catch(() => undefined);
    }
  }, 20_000);
});

describe('/health/ready with S3 storage', () => {
  const storageApp = defineApp({ name: 'outage-s3', modules: [storage()] });
  const s3Url = (endpoint: string, bucket: string) =>
    `s3://S3RVER:S3RVER@${bucket}/media?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1`;

  it('probes the bucket, and answers 503 naming the storage once S3 is gone or hangs', async () => {
    const s3 = await startS3Server('ready');
    const silent = await silentServer();
    const app = await createTestClient(storageApp, {
      env: { STORAGE_URL: s3Url(s3.endpoint, 'ready'), SERVICE_TIMEOUT: '1' },
    });
    const hung = await createTestClient(storageApp, {
      env: {
        STORAGE_URL: s3Url(silent.url('http').replace(/\/postgres$/, ''), 'ready'),
        SERVICE_TIMEOUT: '0.5',
      },
    });
    try {
      const up = await readiness(app);
      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({ checks: { 'storage default (s3)': 'ok' } });

      const stuck = await readiness(hung);
      expectUnavailable(stuck);
      expect((stuck.body as { detail: string }).detail).toMatch(/storage default \(s3\): /);

      await s3.close();
      const gone = await readiness(app);
      expectUnavailable(gone);
      expect((gone.body as { detail: string }).detail).toMatch(/storage default \(s3\): /);
    } finally {
      await app.close().catch(() => undefined);
      await hung.close().catch(() => undefined);
      await silent.close();
      await s3.close().catch(() => undefined);
    }
  }, 30_000);
});

describe.skipIf(!HAS_REDIS_SERVER)('sessions in Redis during an outage', () => {
  it('answers 503 to a signed-in request while Redis is down, and anonymous pages still serve', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    let client: SessionClient | undefined;
    try {
      client = await createSessionClient({ env: { REDIS_URL: redis.url, SERVICE_TIMEOUT: '1' } });
      const h = sessionHelpers(() => client!);
      const { cookie } = await h.signedIn();
      expect((await h.me(cookie)).status).toBe(200);

      await redis.stop();
      expectUnavailable(await h.me(cookie));
      expect(await client.request({ method: 'GET', url: '/public' })).toMatchObject({
        status: 200,
        body: { user: null },
      });

      await redis.start();
      // This Redis keeps nothing across a restart: the session is gone, the request anonymous.
      await until('sessions to answer again', async () => (await h.me(cookie)).status === 401);
    } finally {
      await client?.close().catch(() => undefined);
      await redis.stop();
    }
  }, 30_000);
});
