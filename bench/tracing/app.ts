// One app of the tracing bench: a GET reading one row of SQLite, with tracing as TRACING says:
// `off` (no tracing()), `api` (tracing() with no SDK registered), `sdk` (tracing() with an SDK
// that records every span and drops it in a batch: the cost of tracing itself, not of export).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createApp, defineApp } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { get, t } from 'basalt/http';
import { tracing } from 'basalt/server';

const mode = process.env.TRACING ?? 'off';
if (mode === 'sdk') {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const dropped = {
    export: (_spans: unknown, done: (r: { code: 0 }) => void) => done({ code: 0 }),
    shutdown: async () => {},
  };
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: dropped })] }),
  );
}

const Book = defineModel('bench_book', { title: f.string({ max: 100 }) });
const book = get('/books/:id', { params: t.Object({ id: t.Integer() }) }, ({ params, db }) =>
  db.get(Book, params.id),
);
const folder = mkdtempSync(join(tmpdir(), 'basalt-bench-tracing-'));
const app = await createApp(
  defineApp({
    name: 'bench-tracing',
    models: [Book],
    modules: mode === 'off' ? [] : [tracing()],
    routes: [book],
  }),
  {
    envFile: false,
    env: {
      NODE_ENV: 'production',
      SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
      LOG_LEVEL: 'silent',
      DATABASE_URL: `sqlite:${join(folder, 'bench.db')}`,
    },
  },
);
await app.db!.createTables();
for (let i = 1; i <= 100; i += 1) await app.db!.create(Book, { title: `Book ${i}` });
const { port } = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening ${port}`);
process.once('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
