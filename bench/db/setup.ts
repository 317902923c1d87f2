import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, type Database } from 'basalt/db';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import {
  basaltImplementation,
  type Dialect,
  type Implementation,
  kyselyImplementation,
  pgDriverImplementation,
  sqliteDriverImplementation,
} from './implementations.js';
import { Author, type BenchTables, Book, models, type SeedSize, seedAuthor, seedBook } from './schema.js';

/** A seeded database of one dialect and the three implementations that run against it. */
export interface BenchTarget {
  dialect: Dialect;
  seed: SeedSize;
  implementations: Implementation[];
  /** Server or library version, for the report. */
  version: string;
  /** Closes every connection and removes the database (temp file, or PostgreSQL schema). */
  close(): Promise<void>;
}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Connections per PostgreSQL pool, the same for Basalt, Kysely and the driver. */
export const POOL_SIZE = 10;

type BenchDatabase = Database<(typeof models)[number]>;

/** `fn` run at most once: a Ctrl-C clean-up and the normal one may both call `close`. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}

async function seedDatabase(db: BenchDatabase, seed: SeedSize): Promise<void> {
  await db.createTables();
  await db.transaction(async (tx) => {
    await tx.createMany(
      Author,
      Array.from({ length: seed.authors }, (_, i) => seedAuthor(i + 1)),
    );
    await tx.createMany(
      Book,
      Array.from({ length: seed.books }, (_, i) => seedBook(i + 1, seed.authors)),
    );
  });
}

/** The pragmas Basalt's SQLite dialect sets, so every implementation runs on the same configuration. */
function openSqliteConnection(filename: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('case_sensitive_like = ON');
  return db;
}

/** A fresh SQLite file in a temp dir, seeded; one connection per implementation. */
export async function openSqlite(seed: SeedSize): Promise<BenchTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-bench-db-'));
  const filename = join(dir, 'bench.db');
  const db = createDatabase({ url: `sqlite:${filename}`, models });
  try {
    await seedDatabase(db, seed);
  } catch (error) {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const driver = openSqliteConnection(filename);
  driver.exec('analyze');
  const kysely = new Kysely<BenchTables>({
    dialect: new SqliteDialect({ database: openSqliteConnection(filename) }),
  });
  const version = (driver.prepare('select sqlite_version() as v').get() as { v: string }).v;
  return {
    dialect: 'sqlite',
    seed,
    version: `SQLite ${version} (better-sqlite3, WAL)`,
    implementations: [
      basaltImplementation(db),
      kyselyImplementation(kysely, 'sqlite'),
      sqliteDriverImplementation(driver),
    ],
    close: once(async () => {
      await Promise.allSettled([db.close(), kysely.destroy()]);
      driver.close();
      rmSync(dir, { recursive: true, force: true });
    }),
  };
}

const DATE_OID = 1082;
const INT8_OID = 20;

/** The type parsers Basalt's pool uses (dates stay strings, int8 become numbers), so rows compare equal. */
function poolConfig(url: string, schema: string): pg.PoolConfig {
  return {
    connectionString: url,
    max: POOL_SIZE,
    options: `-c search_path=${schema}`,
    types: {
      getTypeParser(oid: number, format?: 'text' | 'binary') {
        if (oid === DATE_OID) return (value: string) => value;
        if (oid === INT8_OID) return (value: string) => Number(value);
        return pg.types.getTypeParser(oid, format ?? 'text');
      },
    } as never,
  };
}

/** A fresh PostgreSQL schema, seeded; dropped (cascade) by `close`. One pool per implementation. */
export async function openPostgres(url: string, seed: SeedSize): Promise<BenchTarget> {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  const dropSchema = async () => {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  };
  await admin.query(`create schema ${schema}`);
  const db = createDatabase({ url, models, searchPath: schema, poolSize: POOL_SIZE });
  const kysely = new Kysely<BenchTables>({
    dialect: new PostgresDialect({ pool: new pg.Pool(poolConfig(url, schema)) }),
  });
  const pool = new pg.Pool(poolConfig(url, schema));
  const close = once(async () => {
    await Promise.allSettled([db.close(), kysely.destroy(), pool.end()]);
    await dropSchema();
  });
  try {
    await seedDatabase(db, seed);
    await pool.query('analyze bench_author; analyze bench_book');
    const { rows } = await pool.query<{ v: string }>("select current_setting('server_version') as v");
    return {
      dialect: 'postgres',
      seed,
      version: `PostgreSQL ${rows[0]?.v ?? '?'} (pg, pool of ${POOL_SIZE})`,
      implementations: [
        basaltImplementation(db),
        kyselyImplementation(kysely, 'postgres'),
        pgDriverImplementation(pool),
      ],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Whether something accepts TCP connections at the URL's host and port. */
export function postgresAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 5432), timeout: 1000 });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Makes sure PostgreSQL answers, starting the local cluster when it does not.
 * Returns `null` when it answers, else why not (the caller skips the PostgreSQL half).
 */
export async function ensurePostgres(url: string): Promise<string | null> {
  if (await postgresAnswers(url)) return null;
  const local = ['127.0.0.1', 'localhost'].includes(new URL(url).hostname);
  if (!local) return `PostgreSQL does not answer at ${url}`;
  try {
    const [version] = readdirSync('/etc/postgresql');
    if (!version) return 'PostgreSQL does not answer and no cluster is installed under /etc/postgresql';
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'pipe' });
  } catch (error) {
    return `PostgreSQL does not answer and could not be started: ${(error as Error).message.split('\n')[0]}`;
  }
  for (let i = 0; i < 20; i++) {
    if (await postgresAnswers(url)) return null;
    await sleep(500);
  }
  return `PostgreSQL was started but does not answer at ${url}`;
}
