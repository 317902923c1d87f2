// One app of the tracing bench: a GET reading one row of SQLite, with tracing as TRACING says:
// `off` (no tracing()), `api` (tracing() with no SDK registered), `sdk` (tracing() with an SDK
// that records every span and drops it in a batch: the cost of tracing itself, not of export).
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { bookApp } from './book-app.js';

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

const app = await bookApp(mode !== 'off', 100);
const { port } = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening ${port}`);
process.once('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
