import { isBasaltError } from '../../core/index.js';
import { columnFields, type DbContext } from '../context.js';
import {
  ConstraintViolationError,
  DeleteProtectedError,
  ForeignKeyViolationError,
  LockTimeoutError,
  UniqueViolationError,
} from '../errors.js';
import type { AnyModel } from '../model.js';

function fieldNames(model: AnyModel, columns: string[]): string[] {
  const byColumn = new Map(columnFields(model).map((f) => [f.column!, f]));
  return columns.map((c) => byColumn.get(c)?.attribute ?? c);
}

function labels(model: AnyModel, columns: string[]): string {
  const byColumn = new Map(columnFields(model).map((f) => [f.column!, f]));
  return columns.map((c) => byColumn.get(c)?.label.toLowerCase() ?? c).join(' and ');
}

/**
 * Turns a driver constraint error into a typed Basalt error; anything else is
 * returned unchanged. `operation` tells a delete's foreign-key failure (409, still
 * referenced) from a write's (400, missing target).
 */
export function mapDbError(
  ctx: DbContext,
  model: AnyModel,
  error: unknown,
  operation: 'write' | 'delete',
): unknown {
  if (isBasaltError(error)) return error;
  if (ctx.adapter.isLockTimeout(error)) return new LockTimeoutError(undefined, { cause: error });
  const v = ctx.adapter.classifyError(error);
  if (!v) return error;
  const label = model.meta.label;
  const own = v.table === null || v.table === model.meta.table;
  switch (v.type) {
    case 'unique': {
      const fields = own ? fieldNames(model, v.columns) : [];
      const what = own && v.columns.length ? labels(model, v.columns) : 'these values';
      return new UniqueViolationError(model.name, fields, `${label} with this ${what} already exists.`, {
        cause: error,
      });
    }
    case 'foreignKey': {
      if (operation === 'delete') return new DeleteProtectedError(model.name, undefined, { cause: error });
      const fields = own ? fieldNames(model, v.columns) : [];
      const what = fields.length ? labels(model, v.columns) : 'related record';
      return new ForeignKeyViolationError(model.name, fields, `The ${what} does not exist.`, {
        cause: error,
      });
    }
    case 'notNull': {
      const fields = own ? fieldNames(model, v.columns) : [];
      return new ConstraintViolationError(
        'BASALT_DB_NOT_NULL_VIOLATION',
        model.name,
        fields,
        'This field may not be null.',
        { cause: error },
      );
    }
    case 'check':
      return new ConstraintViolationError(
        'BASALT_DB_CHECK_VIOLATION',
        model.name,
        [],
        `Check constraint '${v.constraint ?? '?'}' failed.`,
        { cause: error },
      );
  }
}

/** A driver error saying a lock was not obtained in time, as a {@link LockTimeoutError}; anything else unchanged. */
export function mapLockError(ctx: DbContext, error: unknown): unknown {
  return !isBasaltError(error) && ctx.adapter.isLockTimeout(error)
    ? new LockTimeoutError(undefined, { cause: error })
    : error;
}

/** Runs `fn`, mapping database constraint errors to typed errors. */
export function mapping<T>(
  ctx: DbContext,
  model: AnyModel,
  operation: 'write' | 'delete',
  fn: () => Promise<T>,
): Promise<T> {
  // Not an async function: one promise less per write.
  let pending: Promise<T>;
  try {
    pending = fn();
  } catch (error) {
    return Promise.reject(mapDbError(ctx, model, error, operation));
  }
  return pending.catch((error: unknown) => {
    throw mapDbError(ctx, model, error, operation);
  });
}
