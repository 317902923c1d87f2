import type {
  Attributes,
  Context,
  ProxyTracerProvider,
  Span,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type BasaltApp, defineModule, type ModuleDefinition } from '../app/index.js';
import { type StatementWrapper, traceStatements } from '../db/internal.js';
import type { RequestWrapper } from '../http/index.js';
import { getJobs, type Jobs } from '../jobs/index.js';
import { instrumentJobs, type JobsInstrumentation } from '../jobs/internal.js';
import { getStorage, type StorageService } from '../storage/index.js';
import { type StorageCallWrapper, wrapStorageCalls } from '../storage/internal.js';

/** Options of {@link tracing}. */
export interface TracingOptions {
  /**
   * Where spans go (default: the global provider, which an OpenTelemetry SDK registers, e.g.
   * `NodeSDK.start()` from `@opentelemetry/sdk-node` run before the app is imported).
   */
  tracerProvider?: TracerProvider;
  /** A span per SQL statement made inside another span (default true). */
  statements?: boolean;
}

type Otel = typeof import('@opentelemetry/api');

/**
 * OpenTelemetry tracing through `@opentelemetry/api`: a server span per request (an incoming
 * `traceparent` continues its trace), a client span per SQL statement, a producer span per
 * enqueue and a consumer span per job run (in the trace of the request that enqueued it, on
 * every jobs backend), and a span per storage call. Spans go to whatever SDK the process
 * registered. Until one is (it may register after the app was created), none is made: each
 * request, statement, enqueue, run and storage call checks the global provider once.
 *
 * @example
 * export default defineApp({ name: 'shop', modules: [tracing(), metrics()], routes });
 */
export function tracing(options: TracingOptions = {}): ModuleDefinition {
  return defineModule({
    name: 'tracing',
    async setup(api) {
      const otel: Otel = await import('@opentelemetry/api');
      const tracer = tracerOf(options.tracerProvider ?? otel.trace.getTracerProvider());
      api.wrapRequests(new RequestSpans(otel, tracer));
      let jobs: Jobs | undefined;
      let storage: StorageService | undefined;
      api.onStart(async (app: BasaltApp) => {
        if (app.db && options.statements !== false)
          traceStatements(app.db, statementSpans(otel, tracer, app.db.dialect));
        jobs = await optional(() => getJobs(app)); // undefined: an app without jobs()
        if (jobs) instrumentJobs(jobs, new JobSpans(otel, tracer));
        storage = await optional(() => getStorage(app));
        if (storage) wrapStorageCalls(storage, storageSpans(otel, tracer));
      });
      api.onStop((app: BasaltApp) => {
        if (app.db) traceStatements(app.db, undefined);
        if (jobs) instrumentJobs(jobs, undefined);
        if (storage) wrapStorageCalls(storage, undefined);
      });
    },
  });
}

/**
 * The tracer spans come from, or undefined while no SDK is registered. The global provider is
 * the API's proxy: until an SDK sets its delegate (`trace.setGlobalTracerProvider`, which
 * `NodeSDK.start()` calls), its tracers make only non-recording spans, and Basalt makes none
 * (a request costs one call that finds no delegate). Checked on each call until a delegate is
 * there, then kept: an SDK registered after the app was created (a test's) is picked up.
 */
type TracerSource = () => Tracer | undefined;

function tracerOf(provider: TracerProvider): TracerSource {
  // Duck-typed: the registered proxy may come from another copy of @opentelemetry/api.
  const proxy = provider as Partial<Pick<ProxyTracerProvider, 'getDelegateTracer'>>;
  if (typeof proxy.getDelegateTracer !== 'function') {
    const tracer = provider.getTracer('basalt');
    return () => tracer;
  }
  const delegateOf = proxy.getDelegateTracer.bind(provider);
  let tracer: Tracer | undefined;
  return () => (tracer ??= delegateOf('basalt'));
}

/** What `get` answers, or undefined when it throws: the capability is not installed. */
async function optional<T>(get: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch {
    return undefined;
  }
}

/** A server span per request, the rest of the request running in its context. */
class RequestSpans implements RequestWrapper {
  readonly #otel: Otel;
  readonly #tracer: TracerSource;
  readonly #spans = new WeakMap<FastifyRequest, { span: Span; error?: Error }>();

  constructor(otel: Otel, tracer: TracerSource) {
    this.#otel = otel;
    this.#tracer = tracer;
  }

  enter(request: FastifyRequest, _reply: FastifyReply, next: () => void): void {
    const tracer = this.#tracer();
    if (tracer === undefined) {
      next(); // no SDK: no span, and `leave` finds nothing
      return;
    }
    const { context, propagation, trace, SpanKind, ROOT_CONTEXT } = this.#otel;
    // Only the incoming headers decide the parent: a request is a trace's entry point here.
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url;
    const url = request.url;
    const query = url.indexOf('?');
    const attributes: Attributes = {
      'http.request.method': request.method,
      'url.path': query === -1 ? url : url.slice(0, query),
      'client.address': request.ip,
    };
    if (route !== undefined) attributes['http.route'] = route;
    const span = tracer.startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes },
      parent,
    );
    this.#spans.set(request, { span });
    const active: Context = trace.setSpan(parent, span);
    // The body arrives in events of the socket, outside this call: its listeners (body
    // parsing, then the handler) are bound to the span's context too, as OpenTelemetry's http
    // instrumentation does (on Node 24 the context already reaches them without it).
    context.bind(active, request.raw);
    context.with(active, next);
  }

  failed(request: FastifyRequest, _reply: FastifyReply, error: Error): void {
    const entry = this.#spans.get(request);
    if (entry) entry.error = error;
  }

  leave(request: FastifyRequest, reply: FastifyReply | null): void {
    const entry = this.#spans.get(request);
    if (!entry) return;
    this.#spans.delete(request);
    const { span, error } = entry;
    if (reply === null) {
      span.setStatus({ code: this.#otel.SpanStatusCode.ERROR, message: 'the client closed the connection' });
    } else {
      const status = reply.statusCode;
      span.setAttribute('http.response.status_code', status);
      // Server spans: a 4xx is the client's mistake, not an error of this span.
      if (status >= 500) {
        if (error) span.recordException(error);
        span.setStatus({
          code: this.#otel.SpanStatusCode.ERROR,
          ...(error ? { message: error.message } : {}),
        });
      }
    }
    span.end();
  }
}

/**
 * A client span per statement run inside another span (a request, a job, the app's own):
 * statements outside any (a worker's polling, migrations) would each start a trace of one span.
 */
function statementSpans(otel: Otel, source: TracerSource, dialect: 'sqlite' | 'postgres'): StatementWrapper {
  const { context, trace, SpanKind } = otel;
  const system = dialect === 'postgres' ? 'postgresql' : 'sqlite';
  return (text, run) => {
    const tracer = source();
    if (tracer === undefined) return run();
    const active = context.active();
    if (trace.getSpan(active) === undefined) return run();
    const operation = operationOf(text);
    const span = tracer.startSpan(
      operation,
      {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': system, 'db.operation.name': operation, 'db.query.text': text },
      },
      active,
    );
    return ended(otel, span, context.with(trace.setSpan(active, span), run));
  };
}

/** The statement's first keyword: `SELECT`, `INSERT`, `WITH`, `BEGIN`… */
function operationOf(text: string): string {
  const match = /^\s*(?:\/\*[\s\S]*?\*\/\s*)?([A-Za-z]+)/.exec(text);
  return match ? match[1]!.toUpperCase() : 'SQL';
}

/** A producer span per enqueue, its context stored with the jobs; a consumer span per run under it. */
class JobSpans implements JobsInstrumentation {
  readonly #otel: Otel;
  readonly #tracer: TracerSource;

  constructor(otel: Otel, tracer: TracerSource) {
    this.#otel = otel;
    this.#tracer = tracer;
  }

  enqueue<T>(jobs: Parameters<JobsInstrumentation['enqueue']>[0], add: () => Promise<T>): Promise<T> {
    const tracer = this.#tracer();
    if (tracer === undefined) return add();
    const { context, propagation, trace, SpanKind } = this.#otel;
    const first = jobs[0]!;
    const attributes: Attributes = {
      'messaging.system': 'basalt',
      'messaging.operation.type': 'send',
      'messaging.destination.name': first.queue,
      'basalt.job.task': first.task,
    };
    if (jobs.length > 1) attributes['messaging.batch.message_count'] = jobs.length;
    const parent = context.active();
    const span = tracer.startSpan(`send ${first.task}`, { kind: SpanKind.PRODUCER, attributes }, parent);
    const active = trace.setSpan(parent, span);
    const carrier: Record<string, string> = {};
    propagation.inject(active, carrier);
    // One JSON text per enqueue, whatever the propagator (W3C traceparent, B3, …) writes.
    const stored = Object.keys(carrier).length > 0 ? JSON.stringify(carrier) : null;
    for (const job of jobs) job.trace = stored;
    return ended(this.#otel, span, context.with(active, add));
  }

  run(job: Parameters<JobsInstrumentation['run']>[0], run: () => Promise<unknown>): Promise<unknown> {
    const tracer = this.#tracer();
    if (tracer === undefined) return run();
    const { context, propagation, trace, SpanKind, ROOT_CONTEXT } = this.#otel;
    const parent = job.trace ? propagation.extract(ROOT_CONTEXT, parseCarrier(job.trace)) : ROOT_CONTEXT;
    const span = tracer.startSpan(
      `process ${job.task}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'basalt',
          'messaging.operation.type': 'process',
          'messaging.destination.name': job.queue,
          'messaging.message.id': job.id,
          'basalt.job.task': job.task,
          'basalt.job.attempt': job.attempt,
        },
      },
      parent,
    );
    return ended(this.#otel, span, context.with(trace.setSpan(parent, span), run));
  }
}

function parseCarrier(text: string): Record<string, string> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, string>) : {};
  } catch {
    return {}; // not ours: the run starts a trace of its own
  }
}

/** A span per storage call (put, get, delete, exists, stat, signed URL). */
function storageSpans(otel: Otel, source: TracerSource): StorageCallWrapper {
  const { context, trace, SpanKind } = otel;
  return (call, run) => {
    const tracer = source();
    if (tracer === undefined) return run();
    const active = context.active();
    const span = tracer.startSpan(
      `storage ${call.operation}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'basalt.storage.name': call.storage,
          'basalt.storage.backend': call.backend,
          'basalt.storage.operation': call.operation,
          'basalt.storage.key': call.key,
        },
      },
      active,
    );
    return ended(otel, span, context.with(trace.setSpan(active, span), run));
  };
}

/** `running`'s outcome, once it has ended `span` (as an error when it failed). */
function ended<T>(otel: Otel, span: Span, running: Promise<T>): Promise<T> {
  return running.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      endFailed(otel, span, error);
      throw error;
    },
  );
}

function endFailed(otel: Otel, span: Span, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setStatus({ code: otel.SpanStatusCode.ERROR, message: failure.message });
  span.end();
}
