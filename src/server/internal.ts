// Names the CLI needs from the production runner. Not a package subpath: apps never import them
// (see "Public and internal names" in docs/architecture.md).
export { importAppDefinition } from './import-app.js';
export { WORKER_ENV } from './messages.js';
export { workerEntryPath } from './worker-entry-path.js';
