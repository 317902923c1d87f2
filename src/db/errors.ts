import { BasaltError, type BasaltErrorOptions, defineErrorCodes, type FieldError } from '../core/index.js';

/** Error codes of `basalt/db`, in the same shape as core's `ERROR_CODES`. */
export const DB_ERROR_CODES = defineErrorCodes({
  BASALT_DB_RECORD_NOT_FOUND: { status: 404, title: 'Record not found' },
  BASALT_DB_UNIQUE_VIOLATION: { status: 409, title: 'A unique value is already taken' },
  BASALT_DB_FOREIGN_KEY_VIOLATION: { status: 400, title: 'A related record does not exist' },
  BASALT_DB_NOT_NULL_VIOLATION: { status: 400, title: 'A required value is missing' },
  BASALT_DB_CHECK_VIOLATION: { status: 400, title: 'A check constraint failed' },
  BASALT_DB_DELETE_PROTECTED: { status: 409, title: 'The record is still referenced' },
  BASALT_DB_INVALID_QUERY: { status: 400, title: 'Invalid query' },
  BASALT_DB_UNSUPPORTED_URL: { status: 500, title: 'Unsupported database URL' },
  BASALT_DB_CONNECTION_HELD: { status: 500, title: 'Query outside the transaction holding the connection' },
  BASALT_DB_LOCK_TIMEOUT: { status: 503, title: 'The data is locked by another transaction' },
  BASALT_DB_INVALID_LOCK: { status: 500, title: 'Row lock used where it cannot apply' },
});

/** A `basalt/db` error code. */
export type DbErrorCode = keyof typeof DB_ERROR_CODES;

/** Base class of the errors below; `status` comes from {@link DB_ERROR_CODES}. */
export class DbError extends BasaltError {
  constructor(code: DbErrorCode, message?: string, options: BasaltErrorOptions = {}) {
    super(code, message, options);
  }
}

/** 404: no row matched `get()`, `update()` or `delete()`. */
export class RecordNotFoundError extends DbError {
  readonly model: string;
  constructor(model: string, message = `${model} not found`) {
    super('BASALT_DB_RECORD_NOT_FOUND', message);
    this.model = model;
  }
}

/** 409: a unique constraint rejected the write; `fields` names the field(s). */
export class UniqueViolationError extends DbError {
  readonly model: string;
  readonly fields: string[];
  constructor(model: string, fields: string[], message: string, options: BasaltErrorOptions = {}) {
    super('BASALT_DB_UNIQUE_VIOLATION', message, withFieldErrors(fields, message, 'unique', options));
    this.model = model;
    this.fields = fields;
  }
}

/** 400: a belongsTo points at a row that does not exist. */
export class ForeignKeyViolationError extends DbError {
  readonly model: string;
  readonly fields: string[];
  constructor(model: string, fields: string[], message: string, options: BasaltErrorOptions = {}) {
    super(
      'BASALT_DB_FOREIGN_KEY_VIOLATION',
      message,
      withFieldErrors(fields, message, 'foreign_key', options),
    );
    this.model = model;
    this.fields = fields;
  }
}

/** 400: a NOT NULL or CHECK constraint rejected the write. */
export class ConstraintViolationError extends DbError {
  readonly model: string;
  readonly fields: string[];
  constructor(
    code: 'BASALT_DB_NOT_NULL_VIOLATION' | 'BASALT_DB_CHECK_VIOLATION',
    model: string,
    fields: string[],
    message: string,
    options: BasaltErrorOptions = {},
  ) {
    super(
      code,
      message,
      withFieldErrors(fields, message, code === 'BASALT_DB_CHECK_VIOLATION' ? 'check' : 'required', options),
    );
    this.model = model;
    this.fields = fields;
  }
}

/** 409: a delete was refused because other rows still point at the record (`restrict`/`protect`). */
export class DeleteProtectedError extends DbError {
  readonly model: string;
  constructor(
    model: string,
    message = `${model} is still referenced by other records`,
    options: BasaltErrorOptions = {},
  ) {
    super('BASALT_DB_DELETE_PROTECTED', message, options);
    this.model = model;
  }
}

/** 400: a query named an unknown field, used an unknown lookup, or got a malformed cursor. */
export class InvalidQueryError extends DbError {
  constructor(message: string) {
    super('BASALT_DB_INVALID_QUERY', message);
  }
}

/**
 * 503 with `Retry-After: 1`: a lock was not obtained in time: PostgreSQL `NOWAIT` or
 * `lock_timeout` (SQLSTATE 55P03), SQLite still busy after its busy timeout. The request did
 * nothing wrong and the same request may succeed a moment later, so it is a temporary
 * unavailability, not a conflict with the resource's state (409).
 */
export class LockTimeoutError extends DbError {
  constructor(
    message = 'The data is locked by another transaction; try again in a moment',
    options: BasaltErrorOptions = {},
  ) {
    super('BASALT_DB_LOCK_TIMEOUT', message, {
      expose: true,
      ...options,
      headers: { 'Retry-After': '1', ...options.headers },
    });
  }
}

function withFieldErrors(
  fields: string[],
  detail: string,
  code: string,
  options: BasaltErrorOptions,
): BasaltErrorOptions {
  const errors: FieldError[] = fields.map((field) => ({ pointer: `/${field}`, detail, code }));
  return errors.length ? { ...options, errors } : options;
}
