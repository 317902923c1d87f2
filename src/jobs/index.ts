// The public API of basalt/jobs: explicit named exports only.
export type { ConsumeOptions, Consumer, JobEvent, JobsBackend } from './backends/backend.js';
export { type DatabaseBackendOptions, databaseBackend } from './backends/database/database-backend.js';
export { JobModel, JobScheduleModel } from './backends/database/models.js';
export { loadRedisBackend } from './backends/load-redis.js';
export type { RedisBackendOptions } from './backends/redis.js';
export { JOBS_ERROR_CODES, JobsError, type JobsErrorCode, PermanentError } from './errors.js';
export type {
  ClaimedJob,
  EnqueueManyOptions,
  EnqueueOptions,
  JobCounts,
  JobFilter,
  JobHandle,
  JobRecord,
  JobState,
  NewJob,
  PurgeFilter,
} from './job.js';
export { type CreateJobsOptions, createJobs, type Jobs } from './jobs.js';
export { getJobs, type JobsContext, type JobsOptions, jobs } from './module.js';
export { type AnySchedule, defineSchedule, type Schedule, type ScheduleOptions } from './schedule.js';
export {
  type AnyTask,
  type BackoffOptions,
  defineTask,
  type Task,
  type TaskContext,
  type TaskEnqueuer,
  type TaskHandler,
  type TaskOptions,
} from './task.js';
export { createWorker, type Worker, type WorkerOptions, type WorkerStats } from './worker.js';
