import { BasaltError, type BasaltErrorOptions, defineErrorCodes } from '../../core/index.js';

/**
 * Stable codes of session errors, in the shape of core's `ERROR_CODES` (see
 * docs/reference/errors.md).
 */
export const SESSION_ERROR_CODES = defineErrorCodes({
  BASALT_AUTH_CSRF_FAILED: { status: 403, title: 'CSRF verification failed' },
  BASALT_AUTH_SESSION_REQUIRED: {
    status: 400,
    title: 'This endpoint acts on a browser session, and the request authenticates with a bearer token',
  },
});

/** A session error code, such as `BASALT_AUTH_CSRF_FAILED`. */
export type SessionErrorCode = keyof typeof SESSION_ERROR_CODES;

/**
 * 403: an unsafe request authenticated by the session cookie lacks a valid CSRF token, or
 * comes from an origin that is neither the API's own nor a trusted one.
 */
export class CsrfError extends BasaltError {
  declare readonly code: SessionErrorCode;

  constructor(message: string, options: BasaltErrorOptions = {}) {
    super('BASALT_AUTH_CSRF_FAILED', message, options);
  }
}

/**
 * 400: a request with an `Authorization: Bearer` header reached an endpoint that acts on the
 * session cookie (session logout). A bearer request never uses the cookie.
 */
export class SessionRequiredError extends BasaltError {
  declare readonly code: SessionErrorCode;

  constructor(message: string, options: BasaltErrorOptions = {}) {
    super('BASALT_AUTH_SESSION_REQUIRED', message, options);
  }
}
