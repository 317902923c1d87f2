export { type CrashDecision, CrashGuard, type CrashGuardOptions } from './crash-guard.js';
export { importAppDefinition } from './import-app.js';
export { WORKER_ENV } from './messages.js';
export { type RunServerOptions, runServer, workerEntryPath } from './run-server.js';
export { runWorker } from './worker.js';
