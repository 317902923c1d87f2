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
  const raws = decodeCursor(items, cursor);
  const values = items.map(({ field }, i) => {
    const raw = raws[i];
    if (raw === null) return null;
    try {
      return ctx.adapter.toDb(field, filterValue(ctx, model, field, raw));
    } catch {
      throw new InvalidQueryError('Malformed cursor');
    }
  });
  const cols = items.map(({ field }) => sql.ref(`${alias}.${field.column}`));
  // One direction, no NULLs: a row comparison, which both databases answer with one range
  // scan of an index over the ordering's columns (a deep page costs what a first one does).
  const uniform = items.every(
    (item, i) => item.desc === items[0]!.desc && values[i] !== null && !item.field.nullable,
  );
  if (uniform && items.length > 0) {
    const op = sql.raw(items[0]!.desc ? '<' : '>');
    const tuple = (parts: unknown[]) => sql`(${sql.join(parts)})`;
    return sql<SqlBool>`${tuple(cols)} ${op} ${tuple(values)}`;
  }
  const branches: RawBuilder<SqlBool>[] = [];
  const equalities: RawBuilder<SqlBool>[] = [];
  items.forEach(({ field, desc }, i) => {
    const col = cols[i]!;
    const value = values[i];
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
  if (branches.length === 0) return sql<SqlBool>`1 = 0`;
  const expanded = sql<SqlBool>`(${sql.join(branches, sql` or `)})`;
  // The first column's bound, implied by the branches, lets an index start at the cursor.
  const first = items[0]!;
  const head = values[0];
  if (head === null || head === undefined || (first.desc && first.field.nullable)) return expanded;
  return sql<SqlBool>`${cols[0]} ${sql.raw(first.desc ? '<=' : '>=')} ${head} and ${expanded}`;
}
