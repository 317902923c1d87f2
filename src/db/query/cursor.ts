import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DbContext } from '../context.js';
import { InvalidQueryError } from '../errors.js';
import type { AnyModel } from '../model.js';
import { filterValue } from './filter-value.js';
import type { OrderItem } from './order.js';

/** Encodes the ordering values of the last row of a page. */
export function encodeCursor(items: OrderItem[], row: Record<string, unknown>): string {
  const values = items.map(({ field }) => {
    const v = row[field.attribute!];
    return v instanceof Date ? v.toISOString() : (v ?? null);
  });
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(items: OrderItem[], cursor: string): unknown[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidQueryError('Malformed cursor');
  }
  if (!Array.isArray(values) || values.length !== items.length)
    throw new InvalidQueryError('Malformed cursor');
  return values;
}

/**
 * The keyset condition "after this cursor" for the given ordering: a lexicographic
 * comparison expanded into OR-ed prefixes, NULL-aware (NULLs first ascending, last descending).
 */
export function afterCursor(
  ctx: DbContext,
  model: AnyModel,
  items: OrderItem[],
  cursor: string,
  alias: string,
): RawBuilder<SqlBool> {
  const values = decodeCursor(items, cursor);
  const branches: RawBuilder<SqlBool>[] = [];
  const equalities: RawBuilder<SqlBool>[] = [];
  items.forEach(({ field, desc }, i) => {
    const col = sql.ref(`${alias}.${field.column}`);
    const raw = values[i];
    let value: unknown = null;
    if (raw !== null) {
      try {
        value = ctx.adapter.toDb(field, filterValue(ctx, model, field, raw));
      } catch {
        throw new InvalidQueryError('Malformed cursor');
      }
    }
    let after: RawBuilder<SqlBool> | null;
    if (value === null) after = desc ? null : sql<SqlBool>`${col} is not null`;
    else if (desc)
      after = field.nullable
        ? sql<SqlBool>`(${col} < ${value} or ${col} is null)`
        : sql<SqlBool>`${col} < ${value}`;
    else after = sql<SqlBool>`${col} > ${value}`;
    if (after)
      branches.push(
        equalities.length ? sql<SqlBool>`(${sql.join([...equalities, after], sql` and `)})` : after,
      );
    equalities.push(value === null ? sql<SqlBool>`${col} is null` : sql<SqlBool>`${col} = ${value}`);
  });
  return branches.length ? sql<SqlBool>`(${sql.join(branches, sql` or `)})` : sql<SqlBool>`1 = 0`;
}
