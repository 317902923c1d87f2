import { sql } from 'kysely';
import { type DbContext, rowFromDb, runRawRead, selectAll } from '../context.js';
import { InvalidQueryError } from '../errors.js';
import type { AnyModel } from '../model.js';
import { orderClause } from './order.js';

/** Keys per batched IN (...) query; keeps every dialect under its bind-parameter limit. */
const CHUNK = 500;

type Row = Record<string, unknown>;

function chunks<T>(values: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

async function selectRows(ctx: DbContext, query: ReturnType<typeof sql>): Promise<Row[]> {
  const result = await runRawRead(ctx, query);
  return result.rows as Row[];
}

function targetColumns(target: AnyModel, alias: string) {
  return selectAll(target, alias);
}

/**
 * Loads relations for `rows` with one query per relation (per 500 keys), never one per row,
 * and sets them on each row under the relation name.
 */
export async function loadIncludes(
  ctx: DbContext,
  model: AnyModel,
  rows: Row[],
  names: readonly string[],
): Promise<void> {
  if (rows.length === 0 || names.length === 0) return;
  const relations = ctx.registry.relations(model);
  // 'reviews.customer' loads `reviews`, then `customer` for all of them at once.
  const nested = new Map<string, string[]>();
  for (const path of names) {
    const dot = path.indexOf('.');
    const top = dot === -1 ? path : path.slice(0, dot);
    const list = nested.get(top) ?? [];
    if (dot !== -1) list.push(path.slice(dot + 1));
    nested.set(top, list);
  }
  for (const [name, subpaths] of nested) {
    await loadRelation(ctx, model, rows, name, relations);
    if (subpaths.length === 0) continue;
    const target = relations.get(name)!.target;
    const children = rows.flatMap((r) => {
      const value = r[name];
      return Array.isArray(value) ? (value as Row[]) : value ? [value as Row] : [];
    });
    await loadIncludes(ctx, target, children, subpaths);
  }
}

async function loadRelation(
  ctx: DbContext,
  model: AnyModel,
  rows: Row[],
  name: string,
  relations: ReturnType<DbContext['registry']['relations']>,
): Promise<void> {
  const relation = relations.get(name);
  if (!relation) throw new InvalidQueryError(`Unknown relation '${name}' on model '${model.name}'`);
  const target = relation.target;
  const table = sql.table(target.meta.table);
  if (relation.kind === 'belongsTo') {
    const keys = [
      ...new Set(rows.map((r) => r[relation.attribute]).filter((k) => k !== null && k !== undefined)),
    ];
    const byId = new Map<unknown, Row>();
    for (const part of chunks(keys)) {
      const raw = await selectRows(
        ctx,
        sql`select ${targetColumns(target, 't')} from ${table} as t where t.id in (${sql.join(part)})`,
      );
      for (const r of raw) byId.set(r.id, rowFromDb(ctx, target, r));
    }
    for (const row of rows) row[name] = byId.get(row[relation.attribute]) ?? null;
    return;
  }
  const ids = [...new Set(rows.map((r) => r.id))];
  const groups = new Map<unknown, Row[]>();
  for (const part of chunks(ids)) {
    let raw: Row[];
    if (relation.kind === 'hasMany') {
      const order = orderClause(target, target.meta.ordering, 't', true);
      raw = await selectRows(
        ctx,
        sql`select ${targetColumns(target, 't')}, ${sql.ref(`t.${relation.column}`)} as "__src" from ${table} as t where ${sql.ref(`t.${relation.column}`)} in (${sql.join(part)}) order by ${order}`,
      );
    } else {
      const through = relation.through!;
      raw = await selectRows(
        ctx,
        sql`select ${targetColumns(target, 't')}, ${sql.ref(`j.${through.sourceColumn}`)} as "__src" from ${sql.table(through.table)} as j join ${table} as t on t.id = ${sql.ref(`j.${through.targetColumn}`)} where ${sql.ref(`j.${through.sourceColumn}`)} in (${sql.join(part)}) order by j.id`,
      );
    }
    for (const r of raw) {
      const list = groups.get(r.__src) ?? [];
      list.push(rowFromDb(ctx, target, r));
      groups.set(r.__src, list);
    }
  }
  for (const row of rows) row[name] = groups.get(row.id) ?? [];
}
