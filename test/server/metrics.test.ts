import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, defineApp } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { get, post, t } from 'basalt/http';
import { defineTask, getJobs, jobs } from 'basalt/jobs';
import { metrics } from 'basalt/server';
import { createTestClient } from 'basalt/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, freePort, httpGet, killAll, startBasalt, waitUntil } from '../cli/basalt-process.js';
import { broken, ok, default as workerApp } from '../fixtures/cli/metrics-worker/app.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

/** The value of one series in Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries(
      [...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

const Thing = defineModel('metrics_thing', { name: f.string({ max: 50 }) });
const noop = defineTask('metrics-noop', { input: t.Object({}) }, () => null);

const app = defineApp({
  name: 'metrics',
  models: [Thing],
  modules: [metrics(), jobs({ tasks: [noop], prefix: false })],
  routes: [
    get('/things/:id', { params: t.Object({ id: t.Integer() }) }, ({ params, db }) =>
      db.get(Thing, params.id),
    ),
    post('/things', { body: t.Object({ name: t.String() }) }, async ({ body, db, jobs: queue }) => {
      const thing = await db.create(Thing, { name: body.name });
      await queue.enqueue(noop, {});
      return { id: thing.id };
    }),
  ],
});

describe('metrics() in one process', () => {
  const clients: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const c of clients) await c.close();
  });

  it('counts requests by route pattern and status, with a latency histogram, the job queue and process figures', async () => {
    const client = await createTestClient(app, {
      env: { JOBS_BACKEND: 'database' },
      validateResponses: false,
    });
    clients.push(client);
    await client.post('/things', { body: { name: 'a' } });
    await client.post('/things', { body: { name: 'b' } });
    for (const id of [1, 2, 99]) await client.get('/things/:id', { params: { id } });

    const scrape = await client.request({ method: 'GET', url: '/metrics' });
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = scrape.text;
    // One series per route pattern, never per id.
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/things/:id', status: '200' })).toBe(
      2,
    );
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/things/:id', status: '404' })).toBe(
      1,
    );
    expect(sample(text, 'http_requests_total', { method: 'POST', route: '/things', status: '201' })).toBe(2);
    expect(text).not.toContain('route="/things/99"');
    expect(
      sample(text, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/things/:id',
        status: '200',
      }),
    ).toBe(2);
    expect(
      sample(text, 'http_request_duration_seconds_bucket', {
        route: '/things/:id',
        status: '200',
        le: '+Inf',
      }),
    ).toBe(2);
    // The two enqueued jobs wait: no worker runs here.
    expect(sample(text, 'basalt_jobs', { state: 'queued' })).toBe(2);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // Scrapes are not served from a cache.
    expect(scrape.headers['cache-control']).toBe('no-store');
    // Hidden from the API document.
    const doc = (await client.request({ method: 'GET', url: '/openapi.json' })).body as { paths: object };
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });

  it('asks for the METRICS_TOKEN bearer token when one is set', async () => {
    const token = 'a-long-enough-metrics-token';
    const client = await createTestClient(app, { env: { METRICS_TOKEN: token }, validateResponses: false });
    clients.push(client);
    expect((await client.request({ method: 'GET', url: '/metrics' })).status).toBe(401);
    const wrong = await client.request({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer a-long-enough-metrics-tokeX' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ detail: expect.stringContaining('METRICS_TOKEN') });
    const right = await client.request({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(right.status).toBe(200);
  });

  it('refuses a METRICS_TOKEN shorter than 16 characters at start', async () => {
    await expect(createTestClient(app, { env: { METRICS_TOKEN: 'short' } })).rejects.toThrow(/METRICS_TOKEN/);
  });

  it.skipIf(!hasPostgres)('reports the PostgreSQL pool and statement times', async () => {
    const client = await createTestClient(app, {
      database: { url: POSTGRES_URL },
      env: { JOBS_BACKEND: 'database' },
      validateResponses: false,
    });
    clients.push(client);
    // Outside the test client's transaction, so the statements take the pool's direct path.
    for (let i = 0; i < 3; i++) await client.get('/things/:id', { params: { id: 1 } });
    const text = (await client.request({ method: 'GET', url: '/metrics' })).text;
    expect(sample(text, 'basalt_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'basalt_db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(sample(text, 'basalt_db_query_duration_seconds_count')).toBeGreaterThanOrEqual(3);
  });
});

describe('metrics() under basalt start', () => {
  afterEach(killAll);

  it('answers for every worker of the node, whichever worker is scraped', async () => {
    const port = await freePort();
    const server = startBasalt(['start', '--workers', '2', '--port', String(port)], {
      cwd: join(FIXTURES, 'metrics'),
    });
    await server.waitForOutput('with 2 workers');
    const pids = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const response = await httpGet(port, '/pid');
      pids.add((JSON.parse(response.body) as { pid: number }).pid);
    }
    expect(pids.size).toBe(2);
    // Every scrape (each lands on either worker) sums both workers' counts.
    for (let i = 0; i < 6; i++) {
      const scrape = await httpGet(port, '/metrics');
      expect(scrape.status).toBe(200);
      expect(
        sample(scrape.body, 'http_requests_total', { method: 'GET', route: '/pid', status: '200' }),
      ).toBe(40);
    }
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 90_000);
});

describe('metrics() of a basalt worker (--http-port)', () => {
  afterEach(killAll);

  it('serves the probes and the job runs, durations and waits of the worker process; nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'basalt-metrics-worker-'));
    const env = { DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, JOBS_POLL_INTERVAL: '100' };
    const app = await createApp(workerApp, { envFile: false, env: { ...env, LOG_LEVEL: 'silent' } });
    try {
      await app.db!.createTables();
      const queue = await getJobs(app);
      for (let i = 0; i < 3; i++) await queue.enqueue(ok, {});
      await queue.enqueue(broken, {});
      const port = await freePort();
      const worker = startBasalt(['worker', '--http-port', String(port)], {
        cwd: join(FIXTURES, 'metrics-worker'),
        env,
      });
      await worker.waitForOutput('worker probes listening', 60_000);
      expect((await httpGet(port, '/health/live')).status).toBe(200);
      expect((await httpGet(port, '/health/ready')).status).toBe(200);
      expect((await httpGet(port, '/jobs')).status).toBe(404);
      let text = '';
      await waitUntil(
        async () => {
          text = (await httpGet(port, '/metrics')).body;
          return sample(text, 'basalt_job_runs_total', { task: 'metrics-broken', outcome: 'failed' }) === 1;
        },
        { timeoutMs: 30_000, message: () => text },
      );
      expect(
        sample(text, 'basalt_job_runs_total', { task: 'metrics-ok', queue: 'default', outcome: 'completed' }),
      ).toBe(3);
      expect(
        sample(text, 'basalt_job_runs_total', { task: 'metrics-broken', queue: 'slow', outcome: 'failed' }),
      ).toBe(1);
      expect(
        sample(text, 'basalt_job_duration_seconds_count', { task: 'metrics-ok', queue: 'default' }),
      ).toBe(3);
      expect(sample(text, 'basalt_job_wait_seconds_count', { queue: 'default' })).toBe(3);
      expect(sample(text, 'basalt_jobs', { state: 'completed' })).toBe(3);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toEqual({ code: 0, signal: null });
    } finally {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('refuses an --http-port that is not a port', async () => {
    const worker = startBasalt(['worker', '--http-port', 'eighty'], {
      cwd: join(FIXTURES, 'metrics-worker'),
      env: { DATABASE_URL: 'sqlite::memory:' },
    });
    expect(await worker.exited).toEqual({ code: 2, signal: null });
    expect(worker.output()).toMatch(/--http-port must be a port number/);
  }, 60_000);
});
