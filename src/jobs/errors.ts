import { BasaltError, type BasaltErrorOptions, defineErrorCodes } from '../core/index.js';

/** Error codes of `basalt/jobs`, in the same shape as core's `ERROR_CODES`. */
export const JOBS_ERROR_CODES = defineErrorCodes({
  BASALT_JOBS_INVALID_INPUT: { status: 400, title: 'The job input is invalid' },
  BASALT_JOBS_INVALID_OPTIONS: { status: 400, title: 'The job options are invalid' },
  BASALT_JOBS_JOB_NOT_FOUND: { status: 404, title: 'Job not found' },
  BASALT_JOBS_INVALID_STATE: { status: 409, title: 'The job is not in a state that allows this' },
  BASALT_JOBS_UNKNOWN_TASK: { status: 500, title: 'No task of this name is registered' },
  BASALT_JOBS_NOT_CONFIGURED: { status: 500, title: 'Jobs are not configured' },
  BASALT_JOBS_TIMEOUT: { status: 500, title: 'The job ran past its timeout' },
  BASALT_JOBS_INVALID_SCHEDULE: { status: 500, title: 'The schedule is invalid' },
});

/** A `basalt/jobs` error code. */
export type JobsErrorCode = keyof typeof JOBS_ERROR_CODES;

/** An error of `basalt/jobs`; `status` comes from {@link JOBS_ERROR_CODES}. */
export class JobsError extends BasaltError {
  declare readonly code: JobsErrorCode;
  constructor(code: JobsErrorCode, message?: string, options: BasaltErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * Thrown by a task to end its job at once: the job is marked failed with this error, and no
 * further attempt runs, whatever retries its task allows (on every backend).
 *
 * @example
 * if (response.status === 404) throw new PermanentError(`No customer ${input.customerId}`);
 */
export class PermanentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/**
 * Whether `error` ends its job with no retry: a {@link PermanentError}, or an error named so
 * (one thrown by another copy of this module).
 */
export function isPermanentError(error: unknown): boolean {
  return error instanceof PermanentError || (error instanceof Error && error.name === 'PermanentError');
}
