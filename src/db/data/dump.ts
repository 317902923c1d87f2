import { sql } from 'kysely';
import { rowFromDb } from '../context.js';
import type { Database } from '../database.js';
import { sortByDependency } from '../dialects/ddl.js';
import type { AnyModel } from '../model.js';
import { contextOf, fixtureFields } from './data-context.js';
import { FixtureError } from './errors.js';
import type { Fixture, FixtureValue } from './fixture.js';

/** Options of {@link dumpData}. */
export interface DumpOptions {
  /** Names of the models to dump (default: every model of the database). */
  models?: readonly string[];
}

type Key = string | number;

function toFixtureValue(value: unknown): FixtureValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  return value as FixtureValue;
}

function selectedModels(db: Database, names: readonly string[] | undefined): AnyModel[] {
  const all = db.registry.all();
  if (!names || names.length === 0) return all;
  return names.map((name) => {
    const model = all.find((m) => m.name === name || m.name.toLowerCase() === name.toLowerCase());
    if (!model)
      throw new FixtureError(
        'BASALT_FIXTURE_UNKNOWN_MODEL',
        `Unknown model '${name}'; known models: ${all.map((m) => m.name).join(', ')}`,
      );
    return model;
  });
}

/**
 * Reads every row of the given models (all by default) as a Django-style fixture, models in
 * dependency order and rows by primary key, so {@link loadData} can load it back as is.
 *
 * @example
 * const fixtures = await dumpData(db, { models: ['author', 'book'] });
 * await writeFile('catalogue.json', JSON.stringify(fixtures, null, 2));
 */
export async function dumpData(db: Database, options: DumpOptions = {}): Promise<Fixture[]> {
  const selected = selectedModels(db, options.models);
  // The sort also pulls in the targets of relations; only the models asked for are dumped.
  const models = sortByDependency(selected, db.registry).filter((m) => selected.includes(m));
  // One transaction: a consistent snapshot even while the app keeps writing. Read-only, so on
  // SQLite it does not take the write lock (BEGIN IMMEDIATE) and writers go on during a dump.
  return db.transaction(
    async (tx) => {
      const ctx = contextOf(db, tx.kysely);
      const out: Fixture[] = [];
      for (const model of models) {
        const fields = fixtureFields(model);
        const links = new Map<string, Map<Key, Key[]>>();
        for (const field of fields) {
          if (field.column !== null) continue;
          const through = ctx.registry.relations(model).get(field.name)?.through;
          if (!through) continue;
          const byRow = new Map<Key, Key[]>();
          const result = await sql<{
            s: Key;
            t: Key;
          }>`select ${sql.ref(through.sourceColumn)} as s, ${sql.ref(
            through.targetColumn,
          )} as t from ${sql.table(through.table)} order by 1, 2`.execute(ctx.kysely);
          for (const { s, t } of result.rows) {
            const list = byRow.get(s) ?? [];
            list.push(t);
            byRow.set(s, list);
          }
          links.set(field.name, byRow);
        }
        const result = await sql<
          Record<string, unknown>
        >`select * from ${sql.table(model.meta.table)} order by id`.execute(ctx.kysely);
        for (const raw of result.rows) {
          const row = rowFromDb(ctx, model, raw);
          const pk = row.id as Key;
          const values: Record<string, FixtureValue> = {};
          for (const field of fields) {
            values[field.name] =
              field.column === null
                ? (links.get(field.name)?.get(pk) ?? [])
                : toFixtureValue(row[field.attribute!]);
          }
          out.push({ model: model.name, pk, fields: values });
        }
      }
      return out;
    },
    { readOnly: true },
  );
}
