import { sql } from 'kysely';
import { columnFields, type DbContext, rowFromDb, runRaw } from '../context.js';
import { quoteId } from '../dialects/dialect.js';
import { RecordNotFoundError } from '../errors.js';
import type { Executor } from '../executor.js';
import type { AnyModel } from '../model.js';
import { filterValue } from '../query/filter-value.js';

/** What model operations run on (internal): a context, the public executor for hooks, and atomic blocks. */
export interface OperationHost {
  ctx: DbContext;
  executor: Executor;
  /** Runs `fn` in a transaction (or a savepoint when already in one). */
  atomic<T>(fn: (host: OperationHost) => Promise<T>): Promise<T>;
}

/** Whether a model has any lifecycle hook. */
export function hasHooks(
  model: AnyModel,
  ...names: Array<'beforeSave' | 'afterSave' | 'beforeDelete' | 'afterDelete'>
): boolean {
  return names.some((n) => model.hooks[n] !== undefined);
}

const columnLists = new WeakMap<AnyModel, ReturnType<typeof sql.raw>>();

/** Every column of a model, for RETURNING and SELECT lists (built once per model). */
export function allColumns(model: AnyModel) {
  let list = columnLists.get(model);
  if (!list) {
    list = sql.raw(
      columnFields(model)
        .map((f) => quoteId(f.column!))
        .join(', '),
    );
    columnLists.set(model, list);
  }
  return list;
}

/** Loads one row by primary key, or `undefined`. */
export async function loadRow(
  ctx: DbContext,
  model: AnyModel,
  id: unknown,
): Promise<Record<string, unknown> | undefined> {
  const result = await runRaw(
    ctx,
    sql`select ${allColumns(model)} from ${sql.table(model.meta.table)} where id = ${primaryKeyValue(ctx, model, id)}`,
  );
  const raw = result.rows[0] as Record<string, unknown> | undefined;
  return raw ? rowFromDb(ctx, model, raw) : undefined;
}

/** The bind value of a primary key; a malformed key cannot match a row, so it is a 404. */
export function primaryKeyValue(ctx: DbContext, model: AnyModel, id: unknown): unknown {
  const pk = model.meta.fields.id!;
  try {
    return ctx.adapter.toDb(pk, filterValue(ctx, model, pk, id));
  } catch {
    throw new RecordNotFoundError(model.meta.label);
  }
}
