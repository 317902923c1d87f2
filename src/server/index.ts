export { type MetricsOptions, metrics } from './metrics.js';
export { type RunServerOptions, runServer } from './run-server.js';
export { type TracingOptions, tracing } from './tracing.js';
