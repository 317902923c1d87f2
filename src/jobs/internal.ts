// Names Basalt's own capabilities need from jobs (tracing in basalt/server, the schedules in
// the admin's jobs page). Not a package
// subpath: apps never import them (see "Public and internal names" in docs/architecture.md).

export { instrumentJobs, type JobsInstrumentation } from './instrumentation.js';
export { getSchedules } from './module.js';
export { type JobEventObserver, observeJobEvents } from './observers.js';
