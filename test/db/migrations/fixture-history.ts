import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { NamedMigration } from '../../../src/db/migrations/index.js';
import {
  addConstraint,
  addField,
  addIndex,
  alterField,
  createModel,
  defineMigration,
  removeField,
  removeIndex,
  renameField,
  renameModel,
  runCode,
} from '../../../src/db/migrations/index.js';
import type { MigrationDatabase } from '../../../src/db/migrations/operation.js';

const pk = { kind: 'integer', primaryKey: true, autoIncrement: true } as const;

function named(
  name: string,
  previous: string | null,
  operations: NamedMigration['operations'],
): NamedMigration {
  return {
    ...defineMigration({ dependencies: previous ? [previous] : [], operations: [...operations] }),
    name,
  };
}

/** A history of fifteen migrations over an author/book schema, exercising every kind of change. */
export const history: NamedMigration[] = [
  named('0001_initial', null, [
    createModel({ name: 'author', fields: { id: pk, name: { kind: 'string', max: 120 } } }),
    createModel({
      name: 'book',
      fields: {
        id: pk,
        title: { kind: 'string', max: 50 },
        pages: { kind: 'integer' },
        author: { kind: 'belongsTo', target: 'author', onDelete: 'cascade' },
      },
    }),
  ]),
  named('0002_book_stock', '0001_initial', [addField('book', 'stock', { kind: 'integer', default: 3 })]),
  named('0003_longer_title', '0002_book_stock', [
    alterField('book', 'title', { kind: 'string', max: 200 }),
    alterField('book', 'pages', { kind: 'bigInteger' }),
  ]),
  named('0004_rename_title', '0003_longer_title', [renameField('book', 'title', 'headline')]),
  named('0005_book_code', '0004_rename_title', [addField('book', 'code', { kind: 'text', nullable: true })]),
  named('0006_fill_code', '0005_book_code', [
    runCode({
      description: 'Fill book codes',
      forwards: async ({ db }) => {
        const rows = await db.selectFrom('book').select(['id', 'pages']).execute();
        for (const row of rows)
          await db
            .updateTable('book')
            .set({ code: `B-${row.pages}` })
            .where('id', '=', row.id)
            .execute();
      },
      backwards: async ({ db }) => {
        await db.updateTable('book').set({ code: null }).execute();
      },
    }),
  ]),
  named('0007_author_name_optional', '0006_fill_code', [
    alterField('author', 'name', { kind: 'string', max: 120, nullable: true }),
  ]),
  named('0008_book_index', '0007_author_name_optional', [
    addIndex('book', { name: 'book_author_stock_idx', fields: ['author', 'stock'] }),
  ]),
  named('0009_unique_headline', '0008_book_index', [
    addConstraint('book', {
      type: 'unique',
      name: 'book_author_headline_uniq',
      fields: ['author', 'headline'],
    }),
  ]),
  named('0010_drop_index', '0009_unique_headline', [removeIndex('book', 'book_author_stock_idx')]),
  named('0011_remove_code', '0010_drop_index', [removeField('book', 'code')]),
  named('0012_stock_check', '0011_remove_code', [
    addConstraint('book', { type: 'check', name: 'book_stock_positive', check: 'stock >= 0' }),
  ]),
  named('0013_rename_author', '0012_stock_check', [renameModel('author', 'writer')]),
  named('0014_edition_text', '0013_rename_author', [
    addField('book', 'edition', { kind: 'text', nullable: true }),
    runCode({
      description: 'Editions as words',
      forwards: async ({ db }) => {
        await db.updateTable('book').set({ edition: '1st' }).where('id', '=', 1).execute();
        await db.updateTable('book').set({ edition: '2nd' }).where('id', '=', 2).execute();
      },
      backwards: async () => {},
    }),
  ]),
  // text → integer: a data migration makes the values numeric, then the type changes.
  named('0015_edition_integer', '0014_edition_text', [
    runCode({
      description: 'Editions as digits',
      forwards: async ({ db }) => {
        for (const row of await db.selectFrom('book').select(['id', 'edition']).execute())
          await db
            .updateTable('book')
            .set({ edition: row.edition === null ? null : String(row.edition).replace(/\D/g, '') })
            .where('id', '=', row.id)
            .execute();
      },
      backwards: async ({ db }) => {
        const suffix: Record<string, string> = { '1': 'st', '2': 'nd', '3': 'rd' };
        for (const row of await db.selectFrom('book').select(['id', 'edition']).execute()) {
          if (row.edition === null) continue;
          const text = String(row.edition);
          await db
            .updateTable('book')
            .set({ edition: `${text}${suffix[text] ?? 'th'}` })
            .where('id', '=', row.id)
            .execute();
        }
      },
    }),
    alterField('book', 'edition', { kind: 'integer', nullable: true }),
  ]),
];

type Db = Kysely<MigrationDatabase>;

/** Rows of a table ordered by id, as plain objects with numbers for integer columns. */
export async function rows(db: Db, table: string): Promise<Record<string, unknown>[]> {
  const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by id`.execute(
    db,
  );
  return result.rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
}

/** Column names of a table. */
export async function columns(db: Db, dialect: 'sqlite' | 'postgres', table: string): Promise<string[]> {
  if (dialect === 'sqlite') {
    const r = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
    return r.rows.map((c) => c.name);
  }
  const r = await sql<{ column_name: string }>`
    select column_name from information_schema.columns
    where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(db);
  return r.rows.map((c) => c.column_name);
}

/** Tables of the database, migrations table excluded. */
export async function tables(db: Db, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  const r =
    dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
          db,
        );
  return r.rows
    .map((t) => t.name)
    .filter((n) => n !== 'basalt_migrations')
    .sort();
}

/** Index names of a table. */
export async function indexes(db: Db, dialect: 'sqlite' | 'postgres', table: string): Promise<string[]> {
  const r =
    dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name = ${table} and sql is not null`.execute(
          db,
        )
      : await sql<{
          name: string;
        }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = ${table}`.execute(
          db,
        );
  return r.rows.map((i) => i.name).sort();
}
