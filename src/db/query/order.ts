import { type RawBuilder, sql } from 'kysely';
import { fieldsByAttribute } from '../context.js';
import { quoteId } from '../dialects/dialect.js';
import { InvalidQueryError } from '../errors.js';
import type { FieldMeta } from '../meta.js';
import type { AnyModel } from '../model.js';

/** One resolved ORDER BY item. */
export interface OrderItem {
  field: FieldMeta;
  desc: boolean;
}

/** Resolves `['-publishedOn', 'title']`; with `tiebreak`, appends `id` unless present. */
export function resolveOrder(model: AnyModel, keys: readonly string[], tiebreak: boolean): OrderItem[] {
  const fields = fieldsByAttribute(model);
  const items = keys.map((key) => {
    const desc = key.startsWith('-');
    const name = desc ? key.slice(1) : key;
    // Model ordering may name a belongsTo by field name (`author`); rows use `authorId`.
    const field = fields.get(name) ?? model.meta.fields[name];
    if (!field || field.column === null)
      throw new InvalidQueryError(`Cannot order '${model.name}' by unknown field '${name}'`);
    return { field, desc };
  });
  if (tiebreak && !items.some((i) => i.field.primaryKey))
    items.push({ field: model.meta.fields.id!, desc: false });
  return items;
}

/**
 * ORDER BY items. NULLs sort first ascending and last descending on both dialects
 * (PostgreSQL's default differs), so keyset cursors behave the same everywhere.
 */
export function orderSql(items: OrderItem[], alias: string): RawBuilder<unknown> {
  return sql.raw(
    items
      .map(({ field, desc }) => {
        const col = `${quoteId(alias)}.${quoteId(field.column!)}`;
        if (!field.nullable) return desc ? `${col} desc` : `${col} asc`;
        return desc ? `${col} desc nulls last` : `${col} asc nulls first`;
      })
      .join(', '),
  );
}

/** ORDER BY clause for a list of keys (helper for relation loading). */
export function orderClause(
  model: AnyModel,
  keys: readonly string[],
  alias: string,
  tiebreak: boolean,
): RawBuilder<unknown> {
  return orderSql(resolveOrder(model, keys, tiebreak), alias);
}
