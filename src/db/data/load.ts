import { sql } from 'kysely';
import { isBasaltError } from '../../core/index.js';
import type { DbContext } from '../context.js';
import { rowToDb } from '../context.js';
import type { Database } from '../database.js';
import { sortByDependency } from '../dialects/ddl.js';
import { quoteId } from '../dialects/dialect.js';
import type { AnyModel } from '../model.js';
import { setManyToMany } from '../operations/many-to-many.js';
import { mapping } from '../operations/map-error.js';
import { contextOf } from './data-context.js';
import { FixtureError, type FixtureErrorCode } from './errors.js';
import type { Fixture } from './fixture.js';
import { type PreparedRecord, prepareRecord } from './prepare.js';

/** What {@link loadData} wrote. */
export interface LoadResult {
  /** Number of records written (inserted or overwritten). */
  count: number;
  /** Records written by model name. */
  models: Record<string, number>;
}

const keyOf = (model: AnyModel, pk: unknown) => `${model.name}\u0000${String(pk)}`;

/** Parents before children: models in dependency order, and rows of a self-referencing model parent first. */
function ordered(ctx: DbContext, records: PreparedRecord[]): PreparedRecord[] {
  const byModel = new Map<AnyModel, PreparedRecord[]>();
  for (const r of records) byModel.set(r.model, [...(byModel.get(r.model) ?? []), r]);
  const out: PreparedRecord[] = [];
  for (const model of sortByDependency([...byModel.keys()], ctx.registry)) {
    // The sort also returns the targets of relations, which may have no records here.
    const rows = byModel.get(model);
    if (!rows) continue;
    const selfRefs = Object.values(model.meta.fields).filter(
      (f) => f.kind === 'belongsTo' && ctx.registry.target(model, f.name) === model,
    );
    if (selfRefs.length === 0) {
      out.push(...rows);
      continue;
    }
    const byPk = new Map(rows.filter((r) => r.pk !== undefined).map((r) => [String(r.pk), r]));
    const seen = new Set<PreparedRecord>();
    const visit = (r: PreparedRecord) => {
      if (seen.has(r)) return;
      seen.add(r);
      // A cycle of parents cannot be ordered; the database reports it if its keys are enforced.
      for (const f of selfRefs) {
        const parent = byPk.get(String(r.values[f.attribute!]));
        if (parent) visit(parent);
      }
      out.push(r);
    };
    for (const r of rows) visit(r);
  }
  return out;
}

/** Fails on the first belongsTo or many-to-many key that is neither in the fixture nor in the database. */
async function checkReferences(ctx: DbContext, records: PreparedRecord[]): Promise<void> {
  const present = new Set(records.map((r) => keyOf(r.model, r.values.id)));
  const wanted = new Map<AnyModel, Map<string, { value: unknown; record: PreparedRecord; field: string }>>();
  const want = (target: AnyModel, value: unknown, record: PreparedRecord, field: string) => {
    if (value === null || value === undefined || present.has(keyOf(target, value))) return;
    const map = wanted.get(target) ?? new Map();
    if (!map.has(String(value))) map.set(String(value), { value, record, field });
    wanted.set(target, map);
  };
  for (const record of records) {
    for (const relation of ctx.registry.relations(record.model).values()) {
      if (relation.kind === 'belongsTo')
        want(relation.target, record.values[relation.attribute], record, relation.name);
      if (relation.kind === 'manyToMany')
        for (const key of record.manyToMany[relation.name] ?? [])
          want(relation.target, key, record, relation.name);
    }
  }
  for (const [target, map] of wanted) {
    const pkField = target.meta.fields.id!;
    const entries = [...map.values()];
    const found = new Set<string>();
    for (let i = 0; i < entries.length; i += 500) {
      const keys = entries.slice(i, i + 500).map((e) => ctx.adapter.toDb(pkField, e.value));
      const result = await sql<{
        id: unknown;
      }>`select id from ${sql.table(target.meta.table)} where id in (${sql.join(keys)})`.execute(ctx.kysely);
      for (const row of result.rows) found.add(String(row.id));
    }
    const missing = entries.find((e) => !found.has(String(e.value)));
    if (missing) {
      const { record, field, value } = missing;
      throw new FixtureError(
        'BASALT_FIXTURE_DANGLING_REFERENCE',
        `${target.meta.label} ${JSON.stringify(value)} does not exist (neither in the fixture nor in the database)`,
        { index: record.index, model: record.model.name, pk: record.pk, field },
      );
    }
  }
}

/** Turns a database error while writing `record` into a FixtureError naming it. */
function wrap(error: unknown, record: PreparedRecord, field?: string): unknown {
  if (error instanceof FixtureError || !isBasaltError(error)) return error;
  const code: FixtureErrorCode =
    error.code === 'BASALT_DB_FOREIGN_KEY_VIOLATION'
      ? 'BASALT_FIXTURE_DANGLING_REFERENCE'
      : 'BASALT_FIXTURE_INVALID_VALUE';
  const pointer = error.errors?.[0]?.pointer?.replace(/^\//, '');
  const at = { index: record.index, model: record.model.name, pk: record.pk };
  return new FixtureError(
    code,
    error.message,
    { ...at, ...((field ?? pointer) ? { field: field ?? pointer } : {}) },
    {
      cause: error,
    },
  );
}

/** INSERT … ON CONFLICT (id) DO UPDATE: the fixture's row replaces one with the same pk. */
async function writeRow(ctx: DbContext, record: PreparedRecord): Promise<unknown> {
  const { model } = record;
  const row = rowToDb(ctx, model, record.values);
  const columns = Object.keys(row);
  const table = sql.table(model.meta.table);
  const names = sql.join(columns.map((c) => sql.ref(c)));
  const values = sql.join(columns.map((c) => row[c]));
  const updated = columns.filter((c) => c !== 'id');
  const action = updated.length
    ? sql`do update set ${sql.join(updated.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}`
    : sql`do nothing`;
  const query =
    record.pk === undefined && model.meta.primaryKey.type === 'integer'
      ? sql<{ id: unknown }>`insert into ${table} (${names}) values (${values}) returning id`
      : sql<{
          id: unknown;
        }>`insert into ${table} (${names}) values (${values}) on conflict (id) ${action} returning id`;
  const result = await mapping(ctx, model, 'write', () => query.execute(ctx.kysely));
  return result.rows[0]?.id ?? record.values.id;
}

/** PostgreSQL: moves each identity sequence past the largest id, so later inserts get fresh keys. */
async function resetSequences(ctx: DbContext, models: Iterable<AnyModel>): Promise<void> {
  for (const model of models) {
    if (model.meta.primaryKey.type !== 'integer') continue;
    const table = sql.table(model.meta.table);
    await sql`select setval(pg_get_serial_sequence(${quoteId(model.meta.table)}, 'id'), coalesce((select max(id) from ${table}), 1), (select max(id) from ${table}) is not null)`.execute(
      ctx.kysely,
    );
  }
}

/**
 * Loads fixture records (the shape {@link dumpData} writes) in one transaction: every record is
 * validated like a `create`, rows are written parents first keeping their primary keys, a row
 * with the same pk is overwritten, many-to-many links are replaced, and on PostgreSQL identity
 * sequences move past the loaded keys. Model hooks do not run. Any bad record throws a
 * {@link FixtureError} naming it, and nothing is written.
 *
 * @example
 * const fixtures = JSON.parse(await readFile('catalogue.json', 'utf8'));
 * const { count } = await loadData(db, fixtures);
 */
export async function loadData(db: Database, fixtures: readonly Fixture[]): Promise<LoadResult> {
  if (!Array.isArray(fixtures))
    throw new FixtureError('BASALT_FIXTURE_MALFORMED', 'A fixture must be a JSON array of records');
  const ctx0 = contextOf(db);
  const prepared = fixtures.map((raw, index) => prepareRecord(ctx0, raw, index));
  return db.transaction(async (tx) => {
    const ctx = contextOf(db, tx.kysely as typeof ctx0.kysely);
    await checkReferences(ctx, prepared);
    const counts: Record<string, number> = {};
    const ids = new Map<PreparedRecord, unknown>();
    for (const record of ordered(ctx, prepared)) {
      try {
        ids.set(record, await writeRow(ctx, record));
      } catch (error) {
        throw wrap(error, record);
      }
      counts[record.model.name] = (counts[record.model.name] ?? 0) + 1;
    }
    for (const [record, id] of ids) {
      for (const [field, keys] of Object.entries(record.manyToMany)) {
        try {
          await setManyToMany(ctx, record.model, id, field, keys);
        } catch (error) {
          throw wrap(error, record, field);
        }
      }
    }
    if (ctx.adapter.name === 'postgres') await resetSequences(ctx, new Set(prepared.map((r) => r.model)));
    return { count: prepared.length, models: counts };
  });
}
