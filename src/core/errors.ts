/**
 * Every error Basalt reports carries a stable `code`. The list below is the catalogue
 * published in docs/reference/errors.md; a test keeps the two in sync.
 */
export const ERROR_CODES = {
  BASALT_INTERNAL_ERROR: { status: 500, title: 'Internal server error' },
  BASALT_CONFIG_INVALID: { status: 500, title: 'Invalid configuration' },
  BASALT_CHECK_FAILED: { status: 500, title: 'A start-up check failed' },
  BASALT_APP_NOT_FOUND: { status: 500, title: 'The application could not be found' },
  BASALT_APP_NOT_BUILT: { status: 500, title: 'The application has not been built' },
  BASALT_ROUTE_CONFLICT: { status: 500, title: 'Two routes share a method and path' },
  BASALT_VALIDATION_FAILED: { status: 400, title: 'Validation failed' },
  BASALT_HTTP_BAD_REQUEST: { status: 400, title: 'Bad request' },
  BASALT_HTTP_MALFORMED_BODY: { status: 400, title: 'Malformed request body' },
  BASALT_HTTP_UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  BASALT_HTTP_FORBIDDEN: { status: 403, title: 'Forbidden' },
  BASALT_HTTP_NOT_FOUND: { status: 404, title: 'Not found' },
  BASALT_HTTP_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  BASALT_HTTP_NOT_ACCEPTABLE: { status: 406, title: 'Not acceptable' },
  BASALT_HTTP_REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  BASALT_HTTP_CONFLICT: { status: 409, title: 'Conflict' },
  BASALT_HTTP_PRECONDITION_FAILED: { status: 412, title: 'Precondition failed' },
  BASALT_HTTP_PRECONDITION_REQUIRED: { status: 428, title: 'Precondition required' },
  BASALT_HTTP_PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  BASALT_HTTP_URI_TOO_LONG: { status: 414, title: 'URI too long' },
  BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  BASALT_HTTP_TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests' },
  BASALT_HTTP_HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large' },
  BASALT_HTTP_SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const;

/** A stable Basalt error code, such as `BASALT_HTTP_NOT_FOUND`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes with the HTTP status and title each stands for, in the shape of {@link ERROR_CODES}. */
export type ErrorCatalogue = Readonly<Record<string, { readonly status: number; readonly title: string }>>;

const catalogues = new Map<string, { readonly status: number; readonly title: string }>(
  Object.entries(ERROR_CODES),
);

/**
 * Registers the codes of a capability or an app, so that `new BasaltError(code)` takes its
 * status and title from them (as it does for {@link ERROR_CODES}). Returns the catalogue.
 *
 * @example
 * export const SHOP_ERROR_CODES = defineErrorCodes({
 *   SHOP_OUT_OF_STOCK: { status: 409, title: 'Out of stock' },
 * } as const);
 * throw new BasaltError('SHOP_OUT_OF_STOCK', 'Only 2 copies left');
 */
export function defineErrorCodes<const C extends ErrorCatalogue>(codes: C): C {
  for (const [code, entry] of Object.entries(codes)) {
    const known = catalogues.get(code);
    if (known && (known.status !== entry.status || known.title !== entry.title))
      throw new TypeError(`The error code ${code} is already defined as ${known.status} '${known.title}'`);
    catalogues.set(code, entry);
  }
  return codes;
}

/** One problem with one field of the input, addressed by a JSON pointer (`/body/price`). */
export interface FieldError {
  pointer: string;
  detail: string;
  code?: string;
}

/** Options for {@link BasaltError}. */
export interface BasaltErrorOptions {
  /** HTTP status; defaults to the status registered for the code. */
  status?: number;
  /** Whether `message` may be shown to the client; defaults to `status < 500`. */
  expose?: boolean;
  /** Field-level problems, listed in the problem+json `errors` member. */
  errors?: FieldError[];
  /** Short summary for the problem+json `title`; defaults to the catalogue's title for the code. */
  title?: string;
  /** Extra headers sent with the error answer (e.g. `Retry-After`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The base of every error Basalt throws. HTTP answers it as RFC 9457 problem+json
 * with its `status`; `message` reaches the client only when `expose` is true.
 *
 * @example
 * throw new BasaltError('BASALT_HTTP_CONFLICT', 'This ISBN is already taken');
 */
export class BasaltError extends Error {
  readonly code: string;
  readonly title: string;
  readonly status: number;
  readonly expose: boolean;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode | (string & {}), message?: string, options: BasaltErrorOptions = {}) {
    const known = catalogues.get(code);
    super(
      message ?? known?.title ?? code,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'BasaltError';
    this.code = code;
    this.title = options.title ?? known?.title ?? code;
    this.status = options.status ?? known?.status ?? 500;
    this.expose = options.expose ?? this.status < 500;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

/** True when `value` is a {@link BasaltError} (also across package copies). */
export function isBasaltError(value: unknown): value is BasaltError {
  return (
    value instanceof BasaltError ||
    (value instanceof Error && value.name === 'BasaltError' && 'code' in value)
  );
}

/** 404: the thing asked for does not exist (or is not visible to this user). */
export class NotFoundError extends BasaltError {
  constructor(message = 'Not found', options: BasaltErrorOptions = {}) {
    super('BASALT_HTTP_NOT_FOUND', message, options);
    this.name = 'BasaltError';
  }
}

/** 400 with field-level details. */
export class ValidationError extends BasaltError {
  constructor(errors: FieldError[], message = 'Validation failed', options: BasaltErrorOptions = {}) {
    super('BASALT_VALIDATION_FAILED', message, { ...options, errors });
    this.name = 'BasaltError';
  }
}

/** 401: credentials are missing or invalid. */
export class AuthenticationError extends BasaltError {
  constructor(message = 'Authentication required', options: BasaltErrorOptions = {}) {
    super('BASALT_HTTP_UNAUTHENTICATED', message, options);
    this.name = 'BasaltError';
  }
}

/** 403: the user is known but may not do this. */
export class PermissionDeniedError extends BasaltError {
  constructor(
    message = 'You do not have permission to perform this action',
    options: BasaltErrorOptions = {},
  ) {
    super('BASALT_HTTP_FORBIDDEN', message, options);
    this.name = 'BasaltError';
  }
}

/** 409: the request conflicts with the current state (e.g. a unique value taken). */
export class ConflictError extends BasaltError {
  constructor(message = 'Conflict', options: BasaltErrorOptions = {}) {
    super('BASALT_HTTP_CONFLICT', message, options);
    this.name = 'BasaltError';
  }
}
