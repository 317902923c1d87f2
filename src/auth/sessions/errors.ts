import { BasaltError, type BasaltErrorOptions } from '../../core/index.js';

/**
 * Stable codes of session errors, in the shape of core's `ERROR_CODES` (see
 * docs/reference/errors.md).
 */
export const SESSION_ERROR_CODES = {
  BASALT_AUTH_CSRF_FAILED: { status: 403, title: 'CSRF verification failed' },
} as const;

/** A session error code, such as `BASALT_AUTH_CSRF_FAILED`. */
export type SessionErrorCode = keyof typeof SESSION_ERROR_CODES;

/**
 * 403: an unsafe request authenticated by the session cookie lacks a valid CSRF token, or
 * comes from an origin that is neither the API's own nor a trusted one.
 */
export class CsrfError extends BasaltError {
  declare readonly code: SessionErrorCode;

  constructor(message: string, options: BasaltErrorOptions = {}) {
    const { status, title } = SESSION_ERROR_CODES.BASALT_AUTH_CSRF_FAILED;
    super('BASALT_AUTH_CSRF_FAILED', message, { status, title, ...options });
    this.name = 'BasaltError';
  }
}
