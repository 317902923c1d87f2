import type { Kysely } from 'kysely';
import type { AnyDB, DbContext } from '../context.js';
import type { Database } from '../database.js';
import { postgresAdapter } from '../dialects/postgres.js';
import { sqliteAdapter } from '../dialects/sqlite.js';
import type { FieldMeta } from '../meta.js';
import type { AnyModel } from '../model.js';

/** The operation context for `db` (or one of its transactions, through `kysely`). */
export function contextOf(db: Database, kysely: Kysely<AnyDB> = db.kysely as Kysely<AnyDB>): DbContext {
  return {
    adapter: db.dialect === 'postgres' ? postgresAdapter : sqliteAdapter,
    registry: db.registry,
    kysely,
    scope: null,
  };
}

/** A many-to-many field whose join rows belong to the fixture (not one with its own join model). */
export function isAutoManyToMany(field: FieldMeta): boolean {
  return field.kind === 'manyToMany' && field.relation?.through?.model == null;
}

/** Fields a fixture lists for a model: columns (minus `id`) and automatic many-to-many fields. */
export function fixtureFields(model: AnyModel): FieldMeta[] {
  return Object.values(model.meta.fields).filter(
    (f) => !f.primaryKey && (f.column !== null || isAutoManyToMany(f)),
  );
}
