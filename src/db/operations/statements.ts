import { CompiledQuery } from 'kysely';
import { columnFields, type DbContext } from '../context.js';
import { quoteId } from '../dialects/dialect.js';
import type { AnyModel } from '../model.js';

/**
 * SQL text of the writes model operations issue, built once per model, column set and
 * row count and then only bound to values: compiling a query per call was a measurable
 * share of an insert (see bench/db). Names come from metadata, never from input.
 */
const cache = new WeakMap<AnyModel, Map<string, string>>();

function cached(model: AnyModel, key: string, build: () => string): string {
  let statements = cache.get(model);
  if (!statements) {
    statements = new Map();
    cache.set(model, statements);
  }
  let text = statements.get(key);
  if (text === undefined) {
    text = build();
    statements.set(key, text);
  }
  return text;
}

function placeholders(ctx: DbContext, from: number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) out.push(ctx.adapter.name === 'postgres' ? `$${from + i}` : '?');
  return out.join(', ');
}

function returning(model: AnyModel): string {
  return columnFields(model)
    .map((f) => quoteId(f.column!))
    .join(', ');
}

/** `insert into t (…) values (…), (…) returning …` for `rows` (all with the same columns). */
export function insertStatement(
  ctx: DbContext,
  model: AnyModel,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): CompiledQuery {
  const text = cached(model, `i:${ctx.adapter.name}:${rows.length}:${columns.join(',')}`, () => {
    const tuples: string[] = [];
    for (let r = 0; r < rows.length; r += 1)
      tuples.push(`(${placeholders(ctx, r * columns.length + 1, columns.length)})`);
    return `insert into ${quoteId(model.meta.table)} (${columns.map(quoteId).join(', ')}) values ${tuples.join(', ')} returning ${returning(model)}`;
  });
  const parameters: unknown[] = [];
  for (const row of rows) for (const column of columns) parameters.push(row[column] ?? null);
  return CompiledQuery.raw(text, parameters);
}

const updates = new WeakMap<AnyModel, Map<string, Map<string, string>>>();
const plainUpdates = new WeakMap<AnyModel, Map<string, Map<string, string>>>();

/**
 * The text of `update t set a = ?, … where id = ? returning …` for these columns (bound in
 * this order, then the id), looked up without building a key string for one column;
 * without `returning …` when `returningRow` is false.
 */
export function updateText(
  ctx: DbContext,
  model: AnyModel,
  columns: readonly string[],
  returningRow = true,
): string {
  const cache = returningRow ? updates : plainUpdates;
  let byDialect = cache.get(model);
  if (!byDialect) {
    byDialect = new Map();
    cache.set(model, byDialect);
  }
  const dialect = ctx.adapter.name;
  let byColumns = byDialect.get(dialect);
  if (!byColumns) {
    byColumns = new Map();
    byDialect.set(dialect, byColumns);
  }
  const key = columns.length === 1 ? columns[0]! : columns.join(',');
  let text = byColumns.get(key);
  if (text === undefined) {
    const postgres = dialect === 'postgres';
    const sets = columns.map((c, i) => `${quoteId(c)} = ${postgres ? `$${i + 1}` : '?'}`).join(', ');
    const where = postgres ? `$${columns.length + 1}` : '?';
    text = `update ${quoteId(model.meta.table)} set ${sets} where "id" = ${where}`;
    if (returningRow) text += ` returning ${returning(model)}`;
    byColumns.set(key, text);
  }
  return text;
}
