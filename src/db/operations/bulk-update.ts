import { type FieldError, ValidationError } from '../../core/index.js';
import { affectedRows, type DbContext, fieldsByAttribute, runText } from '../context.js';
import { quoteId } from '../dialects/dialect.js';
import { InvalidQueryError } from '../errors.js';
import type { BulkUpdateOptions } from '../executor.js';
import type { FieldMeta } from '../meta.js';
import type { AnyModel } from '../model.js';
import type { OperationHost } from './host.js';
import { primaryKeyValue } from './host.js';
import { mapDbError } from './map-error.js';
import { validateInput } from './validate.js';

type Row = Record<string, unknown>;

/** Bound parameters per statement: under PostgreSQL's 65,535 and SQLite's 32,766. */
const MAX_PARAMETERS = 30_000;

/**
 * `bulkUpdate(Model, rows, fields)`: different values per row, one statement per batch.
 * PostgreSQL: `update t as t0 set a = v.a from (values ($1::integer, $2::text), …) as
 * v(id, a) where t0.id = v.id` (every placeholder cast, so the VALUES columns have the
 * columns' types); SQLite (3.33+): the same with its `column1, column2, …` names. Rows are
 * validated like `update` (every error of every row in one ValidationError, pointers
 * `/<row>/<field>`); a key given twice keeps its last row, as if the rows were applied in order.
 */
export async function bulkUpdate(
  host: OperationHost,
  model: AnyModel,
  rows: readonly Row[],
  fields: readonly string[],
  options: BulkUpdateOptions = {},
): Promise<number> {
  const ctx = host.ctx;
  const targets = resolveFields(model, fields);
  const batchSize = batchSizeOf(options, targets.length + 1);
  if (rows.length === 0) return 0;
  const prepared = prepareRows(ctx, model, rows, targets);
  const columns = prepared.columns;
  const values = prepared.values;
  const perRow = columns.length + 1;
  const batches: unknown[][] = [];
  for (let i = 0; i < values.length; i += batchSize) batches.push(values.slice(i, i + batchSize).flat());
  const run = (c: DbContext, parameters: unknown[]) =>
    runText(c, bulkUpdateText(c, model, columns, parameters.length / perRow), parameters).then(
      affectedRows,
      (error: unknown) => {
        throw mapDbError(c, model, error, 'write');
      },
    );
  if (batches.length === 1) return run(ctx, batches[0]!);
  return host.atomic(async (h) => {
    let count = 0;
    for (const parameters of batches) count += await run(h.ctx, parameters);
    return count;
  });
}

/** The fields to write, checked: known, column-backed, not the key or an automatic column. */
function resolveFields(model: AnyModel, fields: readonly string[]): FieldMeta[] {
  if (!Array.isArray(fields) || fields.length === 0)
    throw new InvalidQueryError(`bulkUpdate(${model.name}): name at least one field to write`);
  const byAttribute = fieldsByAttribute(model);
  const seen = new Set<string>();
  return fields.map((name) => {
    const field = byAttribute.get(name);
    if (!field || field.primaryKey || field.auto)
      throw new InvalidQueryError(
        `bulkUpdate(${model.name}): '${name}' is not a writable field (fields are the model's own columns, not its key${model.meta.fields[name]?.kind === 'manyToMany' ? ' or many-to-many relations' : ''})`,
      );
    if (seen.has(name)) throw new InvalidQueryError(`bulkUpdate(${model.name}): '${name}' is listed twice`);
    seen.add(name);
    return field;
  });
}

function batchSizeOf(options: BulkUpdateOptions, perRow: number): number {
  const most = Math.max(1, Math.floor(MAX_PARAMETERS / perRow));
  const asked = options.batchSize;
  if (asked === undefined) return most;
  if (!Number.isSafeInteger(asked) || asked < 1)
    throw new InvalidQueryError(`bulkUpdate: batchSize must be a positive integer, got ${String(asked)}`);
  return Math.min(asked, most);
}

/**
 * Validates and converts every row: `[key, ...values]` per distinct key, in key order (so two
 * concurrent bulk updates of overlapping rows lock them in the same order), and the columns
 * written (the fields, then `updatedAt` when the model keeps timestamps and it is not listed).
 */
function prepareRows(
  ctx: DbContext,
  model: AnyModel,
  rows: readonly Row[],
  targets: FieldMeta[],
): { columns: FieldMeta[]; values: unknown[][] } {
  const columns = [...targets];
  const updatedAt = fieldsByAttribute(model).get('updatedAt');
  const stamp = model.meta.timestamps && updatedAt && !targets.includes(updatedAt) ? new Date() : undefined;
  if (stamp && updatedAt) columns.push(updatedAt);
  const errors: FieldError[] = [];
  const byKey = new Map<unknown, unknown[]>();
  rows.forEach((row, index) => {
    if (typeof row !== 'object' || row === null) {
      errors.push({ pointer: `/${index}`, detail: 'Must be an object.', code: 'invalid' });
      return;
    }
    let key: unknown;
    try {
      if (row.id === undefined || row.id === null) throw new Error('missing');
      key = primaryKeyValue(ctx, model, row.id);
    } catch {
      errors.push({
        pointer: `/${index}/id`,
        detail: 'Must be the primary key of the row.',
        code: 'invalid',
      });
    }
    const picked: Row = {};
    for (const field of targets) {
      const name = field.attribute!;
      if (row[name] === undefined)
        errors.push({ pointer: `/${index}/${name}`, detail: 'This field is required.', code: 'required' });
      else picked[name] = row[name];
    }
    let validated: Row;
    try {
      validated = validateInput(ctx, model, picked, true).values;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const e of error.errors ?? []) errors.push({ ...e, pointer: `/${index}${e.pointer}` });
      return;
    }
    if (key === undefined || errors.length > 0) return;
    const out: unknown[] = [key];
    for (const field of targets) out.push(ctx.adapter.toDb(field, validated[field.attribute!]));
    if (stamp && updatedAt) out.push(ctx.adapter.toDb(updatedAt, stamp));
    byKey.delete(key);
    byKey.set(key, out);
  });
  if (errors.length > 0) throw new ValidationError(errors, `Invalid ${model.meta.label} rows`);
  const values = [...byKey.values()].sort((a, b) => compareKeys(a[0], b[0]));
  return { columns, values };
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const texts = new WeakMap<AnyModel, Map<string, string>>();
/** Distinct statement texts kept per model: a batch's row count is part of its text. */
const MAX_TEXTS = 512;

/** The statement for `count` rows of `columns`, built once per model, dialect, columns and count. */
function bulkUpdateText(ctx: DbContext, model: AnyModel, columns: FieldMeta[], count: number): string {
  let byShape = texts.get(model);
  if (!byShape) {
    byShape = new Map();
    texts.set(model, byShape);
  }
  const dialect = ctx.adapter.name;
  const key = `${dialect}|${count}|${columns.map((c) => c.column).join(',')}`;
  let text = byShape.get(key);
  if (text === undefined) {
    text =
      dialect === 'postgres' ? postgresText(ctx, model, columns, count) : sqliteText(model, columns, count);
    if (byShape.size >= MAX_TEXTS) byShape.clear();
    byShape.set(key, text);
  }
  return text;
}

function postgresText(ctx: DbContext, model: AnyModel, columns: FieldMeta[], count: number): string {
  // Casts to the base type (varchar, numeric): a length or scale in a cast would silently
  // truncate or round, and validation has already checked both.
  const baseType = (field: FieldMeta) => {
    const targetKey =
      field.kind === 'belongsTo' ? ctx.registry.target(model, field.name).meta.primaryKey.type : 'integer';
    return ctx.adapter.columnType(field, targetKey).replace(/\(.*\)$/, '');
  };
  const types = [model.meta.primaryKey.type === 'uuid' ? 'uuid' : 'integer', ...columns.map(baseType)];
  const tuples: string[] = [];
  let n = 1;
  for (let r = 0; r < count; r += 1) tuples.push(`(${types.map((type) => `$${n++}::${type}`).join(', ')})`);
  const names = ['"id"', ...columns.map((c) => quoteId(c.column!))];
  const sets = columns.map((c) => `${quoteId(c.column!)} = "v".${quoteId(c.column!)}`).join(', ');
  return `update ${quoteId(model.meta.table)} as "t0" set ${sets} from (values ${tuples.join(', ')}) as "v" (${names.join(', ')}) where "t0"."id" = "v"."id"`;
}

function sqliteText(model: AnyModel, columns: FieldMeta[], count: number): string {
  const tuple = `(${new Array(columns.length + 1).fill('?').join(', ')})`;
  const sets = columns.map((c, i) => `${quoteId(c.column!)} = "v"."column${i + 2}"`).join(', ');
  return `update ${quoteId(model.meta.table)} as "t0" set ${sets} from (values ${new Array(count).fill(tuple).join(', ')}) as "v" where "t0"."id" = "v"."column1"`;
}
