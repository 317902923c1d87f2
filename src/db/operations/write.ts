import { sql } from 'kysely';
import type { DbContext } from '../context.js';
import {
  affectedRows,
  columnFields,
  fieldsByAttribute,
  rowFromDb,
  rowToDb,
  runCompiled,
  runText,
} from '../context.js';
import { RecordNotFoundError } from '../errors.js';
import type { AnyModel, HookActor } from '../model.js';
import { compileWhere } from '../query/where.js';
import { allColumns, hasHooks, loadRow, type OperationHost, primaryKeyValue } from './host.js';
import { setManyToMany } from './many-to-many.js';
import { mapDbError, mapping } from './map-error.js';
import { insertStatement, updateText } from './statements.js';
import { type ValidatedInput, validateInput } from './validate.js';

type Row = Record<string, unknown>;

function stamp(model: AnyModel, values: Row, create: boolean): void {
  if (!model.meta.timestamps) return;
  const now = new Date();
  if (create) values.createdAt = now;
  values.updatedAt = now;
}

async function insertRows(ctx: DbContext, model: AnyModel, rows: Row[]): Promise<Row[]> {
  if (rows.length === 0) return [];
  const dbRows = rows.map((r) => rowToDb(ctx, model, r));
  const columns = Object.keys(dbRows[0]!);
  const result = await mapping(ctx, model, 'write', () =>
    runCompiled(ctx, insertStatement(ctx, model, columns, dbRows)),
  );
  return (result.rows as Row[]).map((r) => rowFromDb(ctx, model, r));
}

async function saveRelations(
  host: OperationHost,
  model: AnyModel,
  id: unknown,
  input: ValidatedInput,
): Promise<void> {
  for (const [field, keys] of Object.entries(input.manyToMany))
    await setManyToMany(host.ctx, model, id, field, keys);
}

/** Validates, applies defaults and timestamps, runs hooks and inserts one row. */
export async function createOne(host: OperationHost, model: AnyModel, data: Row): Promise<Row> {
  const input = validateInput(host.ctx, model, data, false);
  stamp(model, input.values, true);
  const needsAtomic = hasHooks(model, 'beforeSave', 'afterSave') || Object.keys(input.manyToMany).length > 0;
  const run = async (h: OperationHost) => {
    const record = input.values;
    await model.hooks.beforeSave?.({
      db: h.executor,
      actor: h.ctx.actor as HookActor | undefined,
      operation: 'create',
      record,
    });
    const [row] = await insertRows(h.ctx, model, [record]);
    await saveRelations(h, model, row!.id, input);
    await model.hooks.afterSave?.({
      db: h.executor,
      actor: h.ctx.actor as HookActor | undefined,
      operation: 'create',
      record: row!,
    });
    return row!;
  };
  return needsAtomic ? host.atomic(run) : run(host);
}

/** Creates several rows; one multi-row INSERT when the model has no hooks or many-to-many input. */
export async function createMany(host: OperationHost, model: AnyModel, data: Row[]): Promise<Row[]> {
  const inputs = data.map((d) => validateInput(host.ctx, model, d, false));
  const simple =
    !hasHooks(model, 'beforeSave', 'afterSave') &&
    inputs.every((i) => Object.keys(i.manyToMany).length === 0);
  if (!simple) {
    return host.atomic(async (h) => {
      const out: Row[] = [];
      for (const d of data) out.push(await createOne(h, model, d));
      return out;
    });
  }
  const out: Row[] = [];
  const withId = inputs.filter((i) => i.values.id !== undefined);
  const groups = withId.length === 0 || withId.length === inputs.length ? [inputs] : inputs.map((i) => [i]);
  for (const group of groups) {
    const rows = group.map((i) => {
      stamp(model, i.values, true);
      return i.values;
    });
    const perChunk = Math.max(1, Math.floor(30000 / Math.max(1, Object.keys(rows[0]!).length)));
    for (let i = 0; i < rows.length; i += perChunk)
      out.push(...(await insertRows(host.ctx, model, rows.slice(i, i + perChunk))));
  }
  return out;
}

/**
 * Field kinds whose validated JS value is exactly what the database gives back (no
 * normalisation, rounding or re-parsing on either dialect; strings are length-checked before
 * PostgreSQL could trim trailing spaces). Not float (PostgreSQL before 12 prints 15 digits),
 * decimal (scale), datetime (precision), date (DateStyle), uuid (case), json (key order),
 * bigInteger (text).
 */
const ROUND_TRIP_KINDS = new Set(['integer', 'boolean', 'string', 'text', 'email', 'url', 'slug', 'enum']);
const wholeRowCache = new WeakMap<AnyModel, boolean>();

/** Whether a write of every non-key column of `model` can answer with the values it wrote. */
function knowsWholeRow(model: AnyModel): boolean {
  let known = wholeRowCache.get(model);
  if (known === undefined) {
    known =
      model.meta.primaryKey.type === 'integer' &&
      columnFields(model).every((f) => f.primaryKey || (!f.auto && ROUND_TRIP_KINDS.has(f.kind)));
    wholeRowCache.set(model, known);
  }
  return known;
}

/**
 * Updates one row by primary key; `undefined` when no row has that key. The row comes back
 * with RETURNING, except when the update writes every column of a model whose values come
 * back unchanged ({@link knowsWholeRow}): then the answer is the key and the values written,
 * and the statement is a plain UPDATE whose affected-row count says whether the row exists.
 */
function updateRow(ctx: DbContext, model: AnyModel, id: unknown, values: Row): Promise<Row | undefined> {
  const dbValues = rowToDb(ctx, model, values);
  const columns = Object.keys(dbValues);
  if (columns.length === 0) return loadRow(ctx, model, id);
  const parameters: unknown[] = new Array(columns.length + 1);
  for (let i = 0; i < columns.length; i += 1) parameters[i] = dbValues[columns[i]!];
  const key = primaryKeyValue(ctx, model, id);
  parameters[columns.length] = key;
  const fields = columnFields(model);
  if (columns.length === fields.length - 1 && knowsWholeRow(model)) {
    return runText(ctx, updateText(ctx, model, columns, false), parameters).then(
      (result) => {
        if (affectedRows(result) === 0) return undefined;
        const row: Row = {};
        for (const field of fields) row[field.attribute!] = field.primaryKey ? key : values[field.attribute!];
        return row;
      },
      (error: unknown) => {
        throw mapDbError(ctx, model, error, 'write');
      },
    );
  }
  // One promise on top of the driver's, mapping both outcomes (see `mapping`).
  return runText(ctx, updateText(ctx, model, columns), parameters).then(
    (result) => {
      const raw = result.rows[0] as Row | undefined;
      return raw ? rowFromDb(ctx, model, raw) : undefined;
    },
    (error: unknown) => {
      throw mapDbError(ctx, model, error, 'write');
    },
  );
}

/** Validates a partial input, runs hooks and updates one row; throws NotFound when missing. */
export function updateOne(host: OperationHost, model: AnyModel, id: unknown, data: Row): Promise<Row> {
  // Not an async function: without hooks an update is the driver's promise and one more.
  // Everything that can throw before the statement is sent still rejects, never throws.
  let input: ValidatedInput;
  try {
    input = validateInput(host.ctx, model, data, true);
    stamp(model, input.values, false);
    const needsAtomic =
      hasHooks(model, 'beforeSave', 'afterSave') || Object.keys(input.manyToMany).length > 0;
    if (!needsAtomic) {
      return updateRow(host.ctx, model, id, input.values).then((row) => {
        if (!row) throw new RecordNotFoundError(model.meta.label);
        return row;
      });
    }
  } catch (error) {
    return Promise.reject(error);
  }
  return host.atomic(async (h) => {
    const previous = await loadRow(h.ctx, model, id);
    if (!previous) throw new RecordNotFoundError(model.meta.label);
    const record: Row = { ...previous, ...input.values };
    await model.hooks.beforeSave?.({
      db: h.executor,
      actor: h.ctx.actor as HookActor | undefined,
      operation: 'update',
      record,
      previous,
    });
    const changes: Row = {};
    for (const key of fieldsByAttribute(model).keys())
      if (key !== 'id' && record[key] !== previous[key]) changes[key] = record[key];
    const row = (await updateRow(h.ctx, model, id, changes))!;
    await saveRelations(h, model, id, input);
    await model.hooks.afterSave?.({
      db: h.executor,
      actor: h.ctx.actor as HookActor | undefined,
      operation: 'update',
      record: row,
      previous,
    });
    return row;
  });
}

/** Validates a partial input and updates every matching row in one statement (no hooks); returns the count. */
export async function updateMany(
  host: OperationHost,
  model: AnyModel,
  where: object,
  data: Row,
): Promise<number> {
  const input = validateInput(host.ctx, model, data, true);
  stamp(model, input.values, false);
  const ctx = host.ctx;
  const sets = Object.entries(rowToDb(ctx, model, input.values)).map(([c, v]) => sql`${sql.ref(c)} = ${v}`);
  if (sets.length === 0) return 0;
  const table = sql.table(model.meta.table);
  const cond = compileWhere(ctx, model, where, 't0');
  const result = await mapping(ctx, model, 'write', () =>
    sql`update ${table} set ${sql.join(sets)} where id in (select t0.id from ${table} as t0 where ${cond})`.execute(
      ctx.kysely,
    ),
  );
  return Number(result.numAffectedRows ?? 0);
}

/** INSERT ... ON CONFLICT (conflict) DO UPDATE: creates the row or updates the existing one. */
export async function upsert(
  host: OperationHost,
  model: AnyModel,
  data: Row,
  conflict: readonly string[],
  update?: readonly string[],
): Promise<Row> {
  const input = validateInput(host.ctx, model, data, false);
  stamp(model, input.values, true);
  return host.atomic(async (h) => {
    const ctx = h.ctx;
    const record = input.values;
    await model.hooks.beforeSave?.({
      db: h.executor,
      actor: h.ctx.actor as HookActor | undefined,
      operation: 'upsert',
      record,
    });
    const byAttr = fieldsByAttribute(model);
    const dbRow = rowToDb(ctx, model, record);
    const columns = Object.keys(dbRow);
    const conflictColumns = conflict.map((a) => byAttr.get(a)?.column ?? model.meta.fields[a]?.column ?? a);
    const updatable = (
      update ?? Object.keys(record).filter((a) => a !== 'id' && a !== 'createdAt' && !conflict.includes(a))
    )
      .map((a) => byAttr.get(a)?.column ?? a)
      .filter((c) => !conflictColumns.includes(c));
    const action = updatable.length
      ? sql`do update set ${sql.join(updatable.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}`
      : sql`do update set ${sql.ref(conflictColumns[0]!)} = excluded.${sql.ref(conflictColumns[0]!)}`;
    const result = await mapping(ctx, model, 'write', () =>
      sql`insert into ${sql.table(model.meta.table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values (${sql.join(columns.map((c) => dbRow[c]))}) on conflict (${sql.join(conflictColumns.map((c) => sql.ref(c)))}) ${action} returning ${allColumns(model)}`.execute(
        ctx.kysely,
      ),
    );
    const row = rowFromDb(ctx, model, result.rows[0] as Row);
    await saveRelations(h, model, row.id, input);
    await model.hooks.afterSave?.({
      db: h.executor,
      actor: h.ctx.actor as HookActor | undefined,
      operation: 'upsert',
      record: row,
    });
    return row;
  });
}
