import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, ProxyTracerProvider, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createApp, defineApp } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { get, post, t } from 'basalt/http';
import { createWorker, defineTask, getJobs, jobs } from 'basalt/jobs';
import { tracing } from 'basalt/server';
import { storage } from 'basalt/storage';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, killAll, startBasalt } from '../cli/basalt-process.js';
import { ship } from '../fixtures/cli/tracing-worker/tasks.js';
import { dropPrefix } from '../jobs/support.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { hasRedis, REDIS_URL } from '../support/redis.js';

// What an SDK does when it starts (NodeSDK): a context manager and the W3C propagator. The
// provider is given to tracing() itself, so each app of this file has its own exporter.
const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
afterAll(() => {
  context.disable();
  propagation.disable();
});

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const provider = new TracerProvider({ spanProcessors: [processor] });

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const traceparent = `00-${TRACE_ID}-${PARENT_ID}-01`;

const Thing = defineModel('tracing_thing', { name: f.string({ max: 50 }) });
const ran: string[] = [];
const note = defineTask('tracing-note', { input: t.Object({ name: t.String() }) }, async ({ input, db }) => {
  // A statement inside the job: it belongs to the job's span.
  await db.query(Thing).where({ name: input.name }).count();
  ran.push(input.name);
});

const routes = [
  get('/things/:id', { params: t.Object({ id: t.Integer() }) }, ({ params, db }) => db.get(Thing, params.id)),
  post('/things', { body: t.Object({ name: t.String() }) }, async ({ body, db, jobs: queue }) => {
    const thing = await db.create(Thing, { name: body.name });
    await queue.enqueue(note, { name: body.name });
    return { id: thing.id };
  }),
  get('/boom', {}, () => {
    throw new Error('kaboom');
  }),
  post('/files', {}, async ({ storage: files }) => {
    const file = await files.get().save(new TextEncoder().encode('plain words'), { name: 'a.txt' });
    await files.get().stat(file);
    return { key: file.key };
  }),
];

function tracedApp(modules: Parameters<typeof defineApp>[0]['modules'] = []) {
  return defineApp({
    name: 'tracing',
    models: [Thing],
    modules: [...(modules ?? []), jobs({ tasks: [note], prefix: false }), storage()],
    routes,
  });
}

const spans = () => exporter.getFinishedSpans();
const named = (name: string) => spans().filter((s) => s.name === name);
const inTrace = (name: string) => named(name).filter((s) => s.spanContext().traceId === TRACE_ID);

/**
 * The finished spans once the request's server span `name` is among them: it ends in the
 * response hook, which may run just after the test client has the answer, and the SDK
 * exports a span once its resource is settled.
 */
async function settled(name: string): Promise<void> {
  await until(
    () => named(name).length > 0,
    `the span ${name}`,
    5000,
    () => processor.forceFlush(),
  );
}

/**
 * POSTs `body` as JSON with the test's traceparent over a real connection; with `bodyAfterMs`,
 * the headers go first and the body that much later. Resolves with the status.
 */
function postOverSocket(port: number, path: string, body: unknown, bodyAfterMs?: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { traceparent, 'content-type': 'application/json' },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    if (bodyAfterMs === undefined) request.end(JSON.stringify(body));
    else {
      request.flushHeaders();
      setTimeout(() => request.end(JSON.stringify(body)), bodyAfterMs);
    }
  });
}

/** Waits for `check` to hold (jobs run in the background), failing after the deadline. */
async function until(
  check: () => boolean,
  what: string,
  ms = 15_000,
  between: () => Promise<void> = async () => {},
): Promise<void> {
  const deadline = Date.now() + ms;
  await between();
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await between();
  }
}

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'basalt-tracing-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});
beforeEach(() => {
  exporter.reset();
  ran.length = 0;
});

type Backend = {
  name: string;
  database?: { url: string };
  env: Record<string, string>;
  cleanup?: () => Promise<void>;
};

const redisPrefix = `basalt-tracing-${randomUUID().slice(0, 8)}`;
const backends: Backend[] = [
  { name: 'SQLite, database jobs', env: { JOBS_BACKEND: 'database' } },
  ...(hasPostgres
    ? [
        {
          name: 'PostgreSQL, database jobs',
          database: { url: POSTGRES_URL },
          env: { JOBS_BACKEND: 'database' },
        },
      ]
    : []),
  ...(hasRedis
    ? [
        {
          name: 'SQLite, Redis jobs',
          env: { JOBS_BACKEND: 'redis', REDIS_URL, JOBS_REDIS_PREFIX: redisPrefix },
          cleanup: () => dropPrefix(redisPrefix),
        },
      ]
    : []),
];

describe.each(backends)('tracing() on $name', (backend) => {
  const system = backend.database ? 'postgresql' : 'sqlite';
  let client: TestClient<typeof routes>;
  beforeAll(async () => {
    client = await createTestClient(tracedApp([tracing({ tracerProvider: provider })]), {
      ...(backend.database ? { database: backend.database } : {}),
      env: { ...backend.env, STORAGE_URL: `file:${join(folder, randomUUID())}`, JOBS_POLL_INTERVAL: '20' },
      validateResponses: false,
    });
  });
  afterAll(async () => {
    await client?.close();
    await backend.cleanup?.();
  });

  it('continues an incoming traceparent in a server span named after the route, with its statements as children', async () => {
    const created = await client.post('/things', { body: { name: 'first' } });
    expect(created.status).toBe(201);
    exporter.reset();
    const id = (created.body as { id: number }).id;
    const answer = await client.get('/things/:id', { params: { id }, headers: { traceparent } });
    expect(answer.status).toBe(200);
    await settled('GET /things/:id');

    const [server] = named('GET /things/:id');
    expect(server).toBeDefined();
    expect(server!.kind).toBe(SpanKind.SERVER);
    expect(server!.spanContext().traceId).toBe(TRACE_ID);
    expect(server!.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(server!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/things/:id',
      'url.path': `/things/${id}`,
      'http.response.status_code': 200,
    });
    expect(server!.attributes['client.address']).toBeTypeOf('string');

    const selects = named('SELECT');
    expect(selects.length).toBeGreaterThanOrEqual(1);
    for (const select of selects) {
      expect(select.kind).toBe(SpanKind.CLIENT);
      expect(select.spanContext().traceId).toBe(TRACE_ID);
      expect(select.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
      expect(select.attributes['db.system.name']).toBe(system);
      expect(select.attributes['db.operation.name']).toBe('SELECT');
      // Parameterised: the text names the table, never the value looked up.
      expect(String(select.attributes['db.query.text'])).toContain('tracing_thing');
      expect(String(select.attributes['db.query.text'])).not.toContain(`= ${id}`);
    }
  });

  it('carries the request trace into the job it enqueued: the worker runs it in a consumer span of the same trace', async () => {
    const answer = await client.post('/things', { body: { name: 'traced' }, headers: { traceparent } });
    expect(answer.status).toBe(201);
    await settled('POST /things');
    const [server] = named('POST /things');
    expect(server?.spanContext().traceId).toBe(TRACE_ID);
    // A POST's handler runs after its body arrived (socket events): still in the request's span.
    const insert = named('INSERT').find((s) =>
      String(s.attributes['db.query.text']).includes('tracing_thing'),
    );
    expect(insert?.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
    const [send] = named('send tracing-note');
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
    expect(send?.attributes).toMatchObject({
      'messaging.system': 'basalt',
      'basalt.job.task': 'tracing-note',
    });

    const app = client.app;
    const queue = await getJobs(app);
    const worker = createWorker(queue, { log: app.log, statsInterval: 0 });
    try {
      await until(
        () => inTrace('process tracing-note').length > 0,
        'the job span',
        15_000,
        () => processor.forceFlush(),
      );
    } finally {
      await worker.stop();
    }
    expect(ran).toContain('traced');
    const [processed] = inTrace('process tracing-note');
    expect(processed!.kind).toBe(SpanKind.CONSUMER);
    expect(processed!.spanContext().traceId).toBe(TRACE_ID);
    expect(processed!.parentSpanContext?.spanId).toBe(send!.spanContext().spanId);
    expect(processed!.attributes).toMatchObject({
      'messaging.system': 'basalt',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'default',
      'basalt.job.task': 'tracing-note',
      'basalt.job.attempt': 1,
    });
    // The job's own statement is a child of its run.
    const count = named('SELECT').find(
      (s) => s.parentSpanContext?.spanId === processed!.spanContext().spanId,
    );
    expect(count?.spanContext().traceId).toBe(TRACE_ID);
  });

  it('keeps the span over a real connection whose body arrives after the headers', async () => {
    const { port } = await client.app.listen({ port: 0, host: '127.0.0.1' });
    // Headers now, the body in a later packet: Fastify reads it from socket events, which
    // run outside the request hook's call unless the span's context is bound to them.
    const status = await postOverSocket(port, '/things', { name: 'slow body' }, 50);
    expect(status).toBe(201);
    await settled('POST /things');
    const server = inTrace('POST /things')[0]!;
    const insert = named('INSERT').find(
      (s) =>
        s.spanContext().traceId === TRACE_ID &&
        String(s.attributes['db.query.text']).includes('tracing_thing'),
    );
    expect(insert?.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  });

  it('records a failing request as an error span with its exception', async () => {
    const answer = await client.get('/boom', { headers: { traceparent } });
    expect(answer.status).toBe(500);
    await settled('GET /boom');
    const [server] = named('GET /boom');
    expect(server?.status.code).toBe(SpanStatusCode.ERROR);
    expect(server?.attributes['http.response.status_code']).toBe(500);
    expect(server?.events.some((e) => e.name === 'exception')).toBe(true);
  });

  it('names an unmatched request by its method only, and a 404 is not an error', async () => {
    const answer = await client.request({ method: 'GET', url: '/nowhere/42' });
    expect(answer.status).toBe(404);
    await settled('GET');
    const [server] = named('GET');
    expect(server?.attributes['url.path']).toBe('/nowhere/42');
    expect(server?.attributes['http.route']).toBeUndefined();
    expect(server?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('makes a span per storage call under the request', async () => {
    const answer = await client.post('/files', { headers: { traceparent } });
    expect(answer.status).toBe(201);
    await settled('POST /files');
    const [server] = named('POST /files');
    const [put] = named('storage put');
    const [stat] = named('storage stat');
    for (const span of [put, stat]) {
      expect(span?.kind).toBe(SpanKind.CLIENT);
      expect(span?.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
      expect(span?.attributes).toMatchObject({
        'basalt.storage.name': 'default',
        'basalt.storage.backend': 'local',
        'basalt.storage.key': (answer.body as { key: string }).key,
      });
    }
  });
});

describe('without tracing()', () => {
  it('makes no span and answers as usual, statements, jobs and storage included', async () => {
    const client = await createTestClient(tracedApp(), {
      env: { JOBS_BACKEND: 'database', STORAGE_URL: `file:${join(folder, randomUUID())}` },
      validateResponses: false,
    });
    try {
      expect(
        (await client.post('/things', { body: { name: 'quiet' }, headers: { traceparent } })).status,
      ).toBe(201);
      expect((await client.post('/files', { headers: { traceparent } })).status).toBe(201);
      expect(spans()).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('with tracing() but no SDK behind it: spans go nowhere, requests and jobs work', async () => {
    const client = await createTestClient(
      tracedApp([tracing({ tracerProvider: new ProxyTracerProvider() })]),
      {
        env: { JOBS_BACKEND: 'database', STORAGE_URL: `file:${join(folder, randomUUID())}` },
        validateResponses: false,
      },
    );
    try {
      expect(
        (await client.post('/things', { body: { name: 'nowhere' }, headers: { traceparent } })).status,
      ).toBe(201);
      const queue = await getJobs(client.app);
      const worker = createWorker(queue, { log: client.app.log, statsInterval: 0 });
      try {
        await until(() => ran.includes('nowhere'), 'the job');
      } finally {
        await worker.stop();
      }
      expect(spans()).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('picks up an SDK registered after the app started: no span before it, spans after', async () => {
    // The global provider is such a proxy: an SDK registering sets its delegate.
    const proxy = new ProxyTracerProvider();
    const client = await createTestClient(tracedApp([tracing({ tracerProvider: proxy })]), {
      env: {
        JOBS_BACKEND: 'database',
        STORAGE_URL: `file:${join(folder, randomUUID())}`,
        JOBS_POLL_INTERVAL: '20',
      },
      validateResponses: false,
    });
    try {
      expect(
        (await client.post('/things', { body: { name: 'early' }, headers: { traceparent } })).status,
      ).toBe(201);
      expect(spans()).toEqual([]);

      proxy.setDelegate(provider);
      // The job enqueued without an SDK carries no trace: its run starts a trace of its own.
      const queue = await getJobs(client.app);
      const worker = createWorker(queue, { log: client.app.log, statsInterval: 0 });
      try {
        await until(
          () => named('process tracing-note').length > 0,
          'the job span',
          15_000,
          () => processor.forceFlush(),
        );
      } finally {
        await worker.stop();
      }
      const [processed] = named('process tracing-note');
      expect(processed!.spanContext().traceId).not.toBe(TRACE_ID);
      expect(processed!.parentSpanContext).toBeUndefined();

      expect(
        (await client.post('/things', { body: { name: 'late' }, headers: { traceparent } })).status,
      ).toBe(201);
      await settled('POST /things');
      expect(inTrace('POST /things')).toHaveLength(1);
      expect(inTrace('send tracing-note')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});

// A request to this process enqueues a job that a `basalt worker` process runs: the worker's
// SDK (registered by its app module, test/fixtures/cli/tracing-worker) writes its spans to a
// file, read here.
type SpanLine = {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
};

const crossPrefix = `basalt-tracing-x-${randomUUID().slice(0, 8)}`;
const crossBackends: { name: string; env: Record<string, string>; cleanup?: () => Promise<void> }[] = [
  { name: 'the database queue (one SQLite file)', env: { JOBS_BACKEND: 'database' } },
  ...(hasRedis
    ? [
        {
          name: 'Redis',
          env: { JOBS_BACKEND: 'redis', REDIS_URL, JOBS_REDIS_PREFIX: crossPrefix },
          cleanup: () => dropPrefix(crossPrefix),
        },
      ]
    : []),
];

describe.each(crossBackends)('tracing() across processes on $name', (backend) => {
  afterEach(killAll);
  afterAll(async () => {
    await backend.cleanup?.();
  });

  it("runs the job in a basalt worker process in the request's trace, under its producer span", async () => {
    const dir = join(folder, randomUUID());
    const spansFile = join(dir, 'worker-spans.jsonl');
    const env = {
      ...backend.env,
      DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
      JOBS_POLL_INTERVAL: '50',
    };
    const order = randomUUID();
    await mkdir(dir, { recursive: true });
    const app = await createApp(
      defineApp({
        name: 'tracing-producer',
        modules: [tracing({ tracerProvider: provider }), jobs({ tasks: [ship], prefix: false })],
        routes: [
          post('/orders', { body: t.Object({ order: t.String() }) }, async ({ body, jobs: queue }) => {
            await queue.enqueue(ship, { order: body.order });
            return { queued: true };
          }),
        ],
      }),
      { envFile: false, env: { ...env, LOG_LEVEL: 'silent' } },
    );
    try {
      await app.db!.createTables();
      const { port } = await app.listen({ port: 0, host: '127.0.0.1' });
      const status = await postOverSocket(port, '/orders', { order });
      expect(status).toBe(201);
      await settled('POST /orders');
      const [server] = inTrace('POST /orders');
      const [send] = inTrace('send tracing-ship');
      expect(send?.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);

      const worker = startBasalt(['worker'], {
        cwd: join(FIXTURES, 'tracing-worker'),
        env: { ...env, SPANS_FILE: spansFile },
      });
      const lines = (): SpanLine[] =>
        existsSync(spansFile)
          ? readFileSync(spansFile, 'utf8')
              .split('\n')
              .filter((line) => line !== '')
              .map((line) => JSON.parse(line) as SpanLine)
          : [];
      let processed: SpanLine | undefined;
      await until(
        () => {
          processed = lines().find((s) => s.name === 'process tracing-ship');
          return processed !== undefined || worker.child.exitCode !== null;
        },
        'the worker process span',
        60_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; the worker said:\n${worker.output()}`);
      });
      expect(processed, worker.output()).toBeDefined();
      expect(processed!.kind).toBe(SpanKind.CONSUMER);
      expect(processed!.traceId).toBe(TRACE_ID);
      expect(processed!.parentSpanId).toBe(send!.spanContext().spanId);
      expect(processed!.attributes).toMatchObject({
        'messaging.operation.type': 'process',
        'basalt.job.task': 'tracing-ship',
        'basalt.job.attempt': 1,
      });
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toEqual({ code: 0, signal: null });
    } finally {
      await app.stop();
    }
  }, 90_000);
});
