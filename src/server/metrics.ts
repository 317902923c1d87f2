import cluster from 'node:cluster';
import { timingSafeEqual } from 'node:crypto';
import { type BasaltApp, defineModule, type ModuleDefinition } from '../app/index.js';
import { AuthenticationError, defineConfig } from '../core/index.js';
import { databasePool } from '../db/internal.js';
import { get, respond, t } from '../http/index.js';
import { getJobs } from '../jobs/index.js';
import { observeJobEvents } from '../jobs/internal.js';
import { askPrimaryForMetrics } from './cluster-metrics.js';

/** Options of {@link metrics}. */
export interface MetricsOptions {
  /** Where the metrics are served (default `/metrics`). */
  path?: string;
  /** Upper bounds of the request-duration histogram's buckets, seconds. */
  buckets?: readonly number[];
  /** Also export Node's process metrics (CPU, memory, event-loop lag, GC; default true). */
  processMetrics?: boolean;
}

const MetricsConfig = defineConfig({
  METRICS_TOKEN: t.Optional(
    t.String({
      minLength: 16,
      description: 'When set, /metrics answers only requests with Authorization: Bearer <token>',
    }),
  ),
});

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Prom = typeof import('prom-client');

/**
 * Prometheus metrics at `/metrics` (prom-client): requests by route, method and status with
 * a latency histogram, the database pool and statement times, the job queue by state, and
 * Node's process figures. Under `basalt start` one scrape answers for every worker process of
 * the node (the primary gathers them). With METRICS_TOKEN set, a scrape needs the token.
 *
 * @example
 * export default defineApp({ name: 'shop', modules: [metrics()], routes });
 */
export function metrics(options: MetricsOptions = {}): ModuleDefinition {
  const path = options.path ?? '/metrics';
  return defineModule({
    name: 'metrics',
    config: MetricsConfig,
    async setup(api) {
      const prom: Prom = (await import('prom-client')).default as unknown as Prom;
      const registry = new prom.Registry();
      if (options.processMetrics !== false) prom.collectDefaultMetrics({ register: registry });
      const labelNames = ['method', 'route', 'status'] as const;
      const requests = new prom.Counter({
        name: 'http_requests_total',
        help: 'HTTP requests answered, by method, route pattern and status',
        labelNames,
        registers: [registry],
      });
      const durations = new prom.Histogram({
        name: 'http_request_duration_seconds',
        help: 'Time to answer an HTTP request, by method, route pattern and status',
        labelNames,
        buckets: [...(options.buckets ?? DEFAULT_BUCKETS)],
        registers: [registry],
      });
      api.addRequestHook('onResponse', (request, reply) => {
        // The route's pattern, never the raw URL: one series per route, not per id.
        const route = request.routeOptions.url ?? 'unmatched';
        const labels = { method: request.method, route, status: String(reply.statusCode) };
        requests.inc(labels);
        durations.observe(labels, reply.elapsedTime / 1000);
      });

      let app: BasaltApp | undefined;
      const queryTimes = new prom.Histogram({
        name: 'basalt_db_query_duration_seconds',
        help: "Time of the database's statements outside transactions (PostgreSQL)",
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
        registers: [registry],
      });
      new prom.Gauge({
        name: 'basalt_db_pool_connections',
        help: "The database pool's connections (PostgreSQL): open, idle, and requests waiting for one",
        labelNames: ['state'],
        registers: [registry],
        collect() {
          const pool = app?.db === undefined ? undefined : databasePool(app.db);
          const stats = pool?.stats?.();
          if (!stats) return;
          this.set({ state: 'total' }, stats.total);
          this.set({ state: 'idle' }, stats.idle);
          this.set({ state: 'waiting' }, stats.waiting);
        },
      });
      new prom.Gauge({
        name: 'basalt_jobs',
        help: 'Jobs by queue and state (the same figure from every process: not summed)',
        labelNames: ['queue', 'state'],
        registers: [registry],
        aggregator: 'max',
        async collect() {
          if (app === undefined) return;
          let byQueue: Record<string, Record<string, number>>;
          try {
            byQueue = await (await getJobs(app)).countsByQueue();
          } catch {
            return; // no jobs module, or the queue is unreachable: no figure rather than a failed scrape
          }
          this.reset(); // a queue emptied and purged since the last scrape is not left behind
          for (const [queue, counts] of Object.entries(byQueue))
            for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
        },
      });
      // Jobs run in this process (`basalt worker`, serving them with --http-port): outcomes,
      // run times and how long each waited to start, by task and queue.
      const jobRuns = new prom.Counter({
        name: 'basalt_job_runs_total',
        help: 'Job attempts run in this process by task, queue and outcome (completed, retrying, failed)',
        labelNames: ['task', 'queue', 'outcome'],
        registers: [registry],
      });
      const jobDurations = new prom.Histogram({
        name: 'basalt_job_duration_seconds',
        help: 'Run time of the job attempts completed in this process',
        labelNames: ['task', 'queue'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
        registers: [registry],
      });
      const jobWaits = new prom.Histogram({
        name: 'basalt_job_wait_seconds',
        help: 'Time from runnable to started of the job attempts started in this process',
        labelNames: ['queue'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
        registers: [registry],
      });
      let unobserve: (() => void) | undefined;
      const observeJobs = () =>
        observeJobEvents((event) => {
          if (event.type === 'error') return;
          const { task, queue } = event.job;
          if (event.type === 'started') jobWaits.observe({ queue }, event.waitedMs / 1000);
          else {
            jobRuns.inc({ task, queue, outcome: event.type });
            if (event.type === 'completed') jobDurations.observe({ task, queue }, event.durationMs / 1000);
          }
        });
      api.onStart((started) => {
        app = started;
        unobserve ??= observeJobs();
        if (started.db) databasePool(started.db)?.observe?.((seconds) => queryTimes.observe(seconds));
      });
      api.onStop((stopped) => {
        unobserve?.();
        unobserve = undefined;
        if (stopped.db) databasePool(stopped.db)?.observe?.(undefined);
      });

      // Under `basalt start`, the primary asks every worker for its registry (prom-client's
      // cluster protocol) and sums them: a scrape sees the node, not one worker of it.
      const clustered = cluster.isWorker && typeof process.send === 'function';
      if (clustered) {
        prom.AggregatorRegistry.setRegistries([registry]);
        new prom.AggregatorRegistry();
      }
      const token = api.config.METRICS_TOKEN as string | undefined;
      api.addRoutes(
        get(
          path,
          { hidden: true, rateLimit: false, response: { 200: t.String() } },
          async ({ request, reply }) => {
            if (token !== undefined && !bearerMatches(request.headers.authorization, token))
              throw new AuthenticationError('The metrics need the METRICS_TOKEN bearer token');
            const text = clustered
              ? await askPrimaryForMetrics().catch(() => registry.metrics())
              : await registry.metrics();
            reply.type(registry.contentType).header('cache-control', 'no-store');
            return respond(200, text);
          },
        ),
      );
    },
  });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
