import * as jobs from 'basalt/jobs';
import { describe, expect, it } from 'vitest';

describe('basalt/jobs', () => {
  it('exports exactly its public API', () => {
    expect(Object.keys(jobs).sort()).toMatchInlineSnapshot(`
      [
        "JOBS_ERROR_CODES",
        "JOB_STATES",
        "JobModel",
        "JobScheduleModel",
        "JobSchema",
        "JobsConfig",
        "JobsError",
        "backoffDelay",
        "createJobs",
        "createScheduler",
        "createWorker",
        "databaseBackend",
        "defineSchedule",
        "defineTask",
        "getJobs",
        "getSchedules",
        "isStaffUser",
        "jobRoutes",
        "jobs",
        "jobsCommands",
        "loadRedisBackend",
        "tickKey",
      ]
    `);
  });
});
