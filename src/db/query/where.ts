import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { columnFields, columnRef, type DbContext, fieldsByAttribute } from '../context.js';
import { InvalidQueryError } from '../errors.js';
import type { FieldMeta } from '../meta.js';
import type { AnyModel } from '../model.js';
import { filterValue } from './filter-value.js';

type Expr = RawBuilder<SqlBool>;

const TRUE: Expr = sql<SqlBool>`1 = 1`;
const FALSE: Expr = sql<SqlBool>`1 = 0`;
const LOOKUPS = new Set([
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'notIn',
  'isNull',
  'between',
  'contains',
  'icontains',
  'startsWith',
  'endsWith',
]);
const TEXT_KINDS = new Set(['string', 'text', 'email', 'url', 'slug', 'enum']);

/** Escapes `\`, `%` and `_` so a value matches literally inside a LIKE pattern (ESCAPE '\'). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function isLookupObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function and(parts: Expr[]): Expr {
  if (parts.length === 0) return TRUE;
  if (parts.length === 1) return parts[0]!;
  return sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

function or(parts: Expr[]): Expr {
  if (parts.length === 0) return FALSE;
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/** Compiles lookups on one field (internal). */
function fieldExpr(ctx: DbContext, model: AnyModel, field: FieldMeta, alias: string, filter: unknown): Expr {
  const col = columnRef(alias, field.column!);
  const v = (value: unknown) => ctx.adapter.toDb(field, filterValue(ctx, model, field, value));
  if (!isLookupObject(filter) || field.kind === 'json' || field.kind === 'file') {
    if (isLookupObject(filter) && !Object.keys(filter).every((k) => k === 'isNull')) {
      throw new InvalidQueryError(`Field '${field.name}' can only be filtered with isNull`);
    }
    if (!isLookupObject(filter))
      return filter === null ? sql<SqlBool>`${col} is null` : sql<SqlBool>`${col} = ${v(filter)}`;
  }
  const parts: Expr[] = [];
  const like = (pattern: string, insensitive: boolean): Expr => {
    if (!TEXT_KINDS.has(field.kind))
      throw new InvalidQueryError(`Field '${field.name}' does not support text lookups`);
    if (!insensitive) return sql<SqlBool>`${col} like ${pattern} escape '\\'`;
    return ctx.adapter.name === 'postgres'
      ? sql<SqlBool>`${col} ilike ${pattern} escape '\\'`
      : sql<SqlBool>`lower(${col}) like lower(${pattern}) escape '\\'`;
  };
  for (const [op, value] of Object.entries(filter as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (!LOOKUPS.has(op)) throw new InvalidQueryError(`Unknown lookup '${op}' on field '${field.name}'`);
    switch (op) {
      case 'eq':
        parts.push(value === null ? sql<SqlBool>`${col} is null` : sql<SqlBool>`${col} = ${v(value)}`);
        break;
      case 'ne':
        if (value === null) parts.push(sql<SqlBool>`${col} is not null`);
        else
          parts.push(
            field.nullable
              ? sql<SqlBool>`(${col} <> ${v(value)} or ${col} is null)`
              : sql<SqlBool>`${col} <> ${v(value)}`,
          );
        break;
      case 'lt':
        parts.push(sql<SqlBool>`${col} < ${v(value)}`);
        break;
      case 'lte':
        parts.push(sql<SqlBool>`${col} <= ${v(value)}`);
        break;
      case 'gt':
        parts.push(sql<SqlBool>`${col} > ${v(value)}`);
        break;
      case 'gte':
        parts.push(sql<SqlBool>`${col} >= ${v(value)}`);
        break;
      case 'in':
      case 'notIn': {
        if (!Array.isArray(value)) throw new InvalidQueryError(`'${op}' on '${field.name}' needs an array`);
        if (value.length === 0) parts.push(op === 'in' ? FALSE : TRUE);
        else {
          const list = sql.join(value.map(v));
          parts.push(op === 'in' ? sql<SqlBool>`${col} in (${list})` : sql<SqlBool>`${col} not in (${list})`);
        }
        break;
      }
      case 'isNull': {
        const flag =
          value === true || value === 'true' ? true : value === false || value === 'false' ? false : null;
        if (flag === null) throw new InvalidQueryError(`'isNull' on '${field.name}' needs true or false`);
        parts.push(flag ? sql<SqlBool>`${col} is null` : sql<SqlBool>`${col} is not null`);
        break;
      }
      case 'between': {
        if (!Array.isArray(value) || value.length !== 2)
          throw new InvalidQueryError(`'between' on '${field.name}' needs [low, high]`);
        parts.push(sql<SqlBool>`${col} between ${v(value[0])} and ${v(value[1])}`);
        break;
      }
      case 'contains':
        parts.push(like(`%${escapeLike(String(value))}%`, false));
        break;
      case 'icontains':
        parts.push(like(`%${escapeLike(String(value))}%`, true));
        break;
      case 'startsWith':
        parts.push(like(`${escapeLike(String(value))}%`, false));
        break;
      case 'endsWith':
        parts.push(like(`%${escapeLike(String(value))}`, false));
        break;
    }
  }
  return and(parts);
}

/** The key of a condition written in SQL by Basalt itself (an index-served search). */
export const RAW_CONDITION: unique symbol = Symbol('basalt.rawCondition');

/** A `where` object holding a condition over the query's alias, for Basalt's own layers (not apps). */
export interface RawCondition {
  [RAW_CONDITION]: (alias: string, dialect: 'sqlite' | 'postgres') => Expr;
}

/**
 * Compiles a `where` object into a parameterised SQL condition over `alias`.
 * Relation filters become `IN (subquery)` semi-joins, so rows are never duplicated.
 */
export function compileWhere(
  ctx: DbContext,
  model: AnyModel,
  where: object | undefined,
  alias: string,
  depth = 0,
): Expr {
  if (!where) return TRUE;
  const raw = (where as Partial<RawCondition>)[RAW_CONDITION];
  if (raw) return raw(alias, ctx.adapter.name);
  const parts: Expr[] = [];
  const fields = fieldsByAttribute(model);
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue;
    if ((key === 'and' || key === 'or') && !Array.isArray(value))
      throw new InvalidQueryError(`'${key}' needs a list of filters`);
    if (key === 'and') {
      parts.push(and((value as object[]).map((w) => compileWhere(ctx, model, w, alias, depth))));
      continue;
    }
    if (key === 'or') {
      parts.push(or((value as object[]).map((w) => compileWhere(ctx, model, w, alias, depth))));
      continue;
    }
    if (key === 'not') {
      parts.push(sql<SqlBool>`not ${compileWhere(ctx, model, value as object, alias, depth)}`);
      continue;
    }
    const field = fields.get(key);
    if (field) {
      parts.push(fieldExpr(ctx, model, field, alias, value));
      continue;
    }
    const relation = ctx.registry.relations(model).get(key);
    if (!relation) throw new InvalidQueryError(`Unknown field '${key}' on model '${model.name}'`);
    if (!isLookupObject(value)) {
      throw new InvalidQueryError(
        `Relation '${key}' of '${model.name}' takes a filter object on '${relation.target.name}'`,
      );
    }
    const inner = `t${depth + 1}`;
    const target = relation.target;
    const targetTable = sql.table(`${target.meta.table}`);
    const cond = compileWhere(ctx, target, value as object, inner, depth + 1);
    const pk = sql.ref(`${alias}.id`);
    if (relation.kind === 'belongsTo') {
      parts.push(
        sql<SqlBool>`${sql.ref(`${alias}.${relation.column}`)} in (select ${sql.ref(`${inner}.id`)} from ${targetTable} as ${sql.id(inner)} where ${cond})`,
      );
    } else if (relation.kind === 'hasMany') {
      parts.push(
        sql<SqlBool>`${pk} in (select ${sql.ref(`${inner}.${relation.column}`)} from ${targetTable} as ${sql.id(inner)} where ${cond})`,
      );
    } else {
      const through = relation.through!;
      const j = `j${depth + 1}`;
      parts.push(
        sql<SqlBool>`${pk} in (select ${sql.ref(`${j}.${through.sourceColumn}`)} from ${sql.table(through.table)} as ${sql.id(j)} join ${targetTable} as ${sql.id(inner)} on ${sql.ref(`${inner}.id`)} = ${sql.ref(`${j}.${through.targetColumn}`)} where ${cond})`,
      );
    }
  }
  return and(parts);
}

/** Every column of a model as `alias.column` select items (internal). */
export function selectColumns(model: AnyModel, alias: string, attributes?: readonly string[]) {
  const fields = attributes ? attributes.map((a) => fieldsByAttribute(model).get(a)!) : columnFields(model);
  return fields.map((f) => sql.ref(`${alias}.${f.column}`));
}
