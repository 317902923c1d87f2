import { randomBytes } from 'node:crypto';
import type { BasaltApp } from '../app/index.js';
import {
  type AnyModel,
  createDatabase,
  createMigrationRunner,
  type Database,
  loadMigrations,
  sql,
  type Transaction,
} from '../db/index.js';
import { migrationsPath } from '../db/internal.js';
import { setRequestDatabase } from '../internal/request-database.js';

/** A database made for one test file: fresh, with the schema in place. */
export interface TestDatabase {
  readonly db: Database;
  /** The URL it was opened with (for PostgreSQL, the schema is in `searchPath`). */
  readonly url: string;
  /** PostgreSQL: the schema created for this database; `null` on SQLite. */
  readonly schema: string | null;
  /** Closes it and drops what it created. */
  close(): Promise<void>;
}

/** Options of {@link createTestDatabase}. */
export interface TestDatabaseOptions {
  models: readonly AnyModel[];
  /**
   * `sqlite::memory:` (default), or a `postgres://` URL: then a fresh schema is created in that
   * database and dropped by `close()`, so test files can run in parallel.
   */
  url?: string;
  /** Build the schema by applying these migrations rather than creating tables from the models. */
  migrations?: string | URL;
}

/** A PostgreSQL URL whose connections use `schema` (pg reads `options` from the URL). */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

/** Creates a uniquely named schema in a PostgreSQL database; returns its name. */
export async function createSchema(url: string): Promise<string> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase({ url, models: [] });
  try {
    await sql`create schema ${sql.id(schema)}`.execute(admin.kysely);
  } finally {
    await admin.close();
  }
  return schema;
}

/** Drops a schema made by {@link createSchema}, with everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = createDatabase({ url, models: [] });
  try {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.kysely);
  } finally {
    await admin.close();
  }
}

/** Builds the schema: the migrations when the folder has some, otherwise tables from the models. */
export async function buildSchema(db: Database, migrationsFolder: string | URL | undefined): Promise<void> {
  const migrations = migrationsFolder ? await loadMigrations(migrationsPath(migrationsFolder)) : [];
  if (migrations.length > 0) {
    await createMigrationRunner({ kysely: db.kysely, dialect: db.dialect, migrations }).migrate();
  } else {
    await db.createTables();
  }
}

/**
 * Creates a fresh database for a test file: SQLite in memory, or a new schema in PostgreSQL,
 * with the schema built from the migrations (when given and present) or from the models.
 *
 * @example
 * const { db, close } = await createTestDatabase({ models: [Author, Book], url: process.env.TEST_DATABASE_URL });
 */
export async function createTestDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const base = options.url ?? 'sqlite::memory:';
  const schema = base.startsWith('postgres') ? await createSchema(base) : null;
  const url = schema ? withSearchPath(base, schema) : base;
  const db = createDatabase({ url, models: options.models }) as unknown as Database;
  await buildSchema(db, options.migrations);
  return {
    db,
    url,
    schema,
    async close() {
      await db.close();
      if (schema) await dropSchema(base, schema);
    },
  };
}

const ROLLBACK = Symbol('basalt.testing.rollback');

/**
 * Per-test isolation (Django's TestCase): `begin()` opens a transaction that every request
 * of the app then uses as `ctx.db`; `rollback()` discards everything written since.
 * Transactions opened by the code under test become savepoints inside it.
 */
export interface RollbackScope {
  /** The open transaction (use it to arrange data inside the test's transaction). */
  readonly tx: Transaction;
  begin(): Promise<Transaction>;
  rollback(): Promise<void>;
}

/** Creates the begin/rollback pair for an app whose requests should run in a test transaction. */
export function createRollbackScope(app: BasaltApp, db: Database): RollbackScope {
  let current: Transaction | undefined;
  let release: (() => void) | undefined;
  let finished: Promise<void> | undefined;
  return {
    get tx() {
      if (!current) throw new Error('No test transaction is open: call begin() first (e.g. in beforeEach)');
      return current;
    },
    begin() {
      if (current)
        throw new Error('A test transaction is already open: call rollback() first (e.g. in afterEach)');
      return new Promise<Transaction>((opened, failed) => {
        finished = db
          .transaction(async (tx) => {
            current = tx;
            setRequestDatabase(app, tx);
            opened(tx);
            await new Promise<void>((resolve) => {
              release = resolve;
            });
            throw ROLLBACK;
          })
          .then(
            () => undefined,
            (error: unknown) => {
              if (error !== ROLLBACK) failed(error);
            },
          );
      });
    },
    async rollback() {
      setRequestDatabase(app, undefined);
      release?.();
      await finished;
      current = undefined;
      release = undefined;
      finished = undefined;
    },
  };
}
