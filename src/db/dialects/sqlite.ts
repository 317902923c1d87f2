import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter as DialectAdapterBase,
  type Driver,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
} from 'kysely';
import { isConnectionHeld } from '../context.js';
import { DbError } from '../errors.js';
import type { FieldMeta } from '../meta.js';
import type { ConnectOptions, ConstraintViolation, DialectAdapter } from './dialect.js';
import { formatDecimal, quoteString } from './dialect.js';

/** `sqlite::memory:`, `sqlite:./data/app.db`, `sqlite:///abs/app.db` → a better-sqlite3 filename. */
export function sqliteFilename(url: string): string {
  const rest = url.replace(/^sqlite:(\/\/)?/, '');
  return rest === ':memory:' || rest === '' ? ':memory:' : rest;
}

const BUSY_TIMEOUT_MS = 5000;

/**
 * `journal_mode = WAL`, waiting for other processes. SQLite answers SQLITE_BUSY at once,
 * without its busy handler, when another connection holds a write lock on a file still in
 * rollback-journal mode (two `migrate` processes opening a new file together did), so the
 * switch is retried here, for as long as the busy timeout.
 */
async function switchToWal(db: import('better-sqlite3').Database): Promise<void> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

async function open(filename: string) {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const db = new BetterSqlite3(filename, { timeout: BUSY_TIMEOUT_MS });
  if (filename !== ':memory:') await switchToWal(db);
  db.pragma('foreign_keys = ON');
  // LIKE must be case-sensitive so `contains` differs from `icontains`, as on PostgreSQL.
  db.pragma('case_sensitive_like = ON');
  cacheStatements(db);
  return db;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query it runs; preparing costs more than running a primary-key
 * lookup. Statements are kept by SQL text (bounded, oldest out first) and reused; SQLite
 * re-prepares a statement by itself when the schema changes under it.
 */
function cacheStatements(db: { prepare: (source: string) => unknown }): void {
  const prepare = db.prepare.bind(db);
  const statements = new Map<string, unknown>();
  db.prepare = (source: string) => {
    let statement = statements.get(source);
    if (statement === undefined) {
      statement = prepare(source);
      if (statements.size >= STATEMENT_CACHE_SIZE)
        statements.delete(statements.keys().next().value as string);
      statements.set(source, statement);
    }
    return statement;
  };
}

const UNIQUE = /^UNIQUE constraint failed: (.+)$/;
const NOT_NULL = /^NOT NULL constraint failed: (.+)$/;
const CHECK = /^CHECK constraint failed: (.+)$/;

function tableColumns(list: string): { table: string | null; columns: string[] } {
  const parts = list.split(',').map((s) => s.trim().split('.'));
  return { table: parts[0]?.[0] ?? null, columns: parts.map((p) => p[1] ?? p[0] ?? '') };
}

/**
 * Kysely's SQLite driver with Basalt's transaction rules:
 *
 * - A transaction takes the write lock up front (`BEGIN IMMEDIATE`), waiting up to the busy
 *   timeout for other processes. A deferred transaction that reads and then writes fails at
 *   once with SQLITE_BUSY when another process wrote in between (its snapshot is stale, so
 *   SQLite cannot wait), which is how concurrent order placements on two workers answered
 *   500 "database is locked". A read-only transaction stays deferred (readers never block in
 *   WAL mode) and sets `query_only`, so a write in it fails as it does on PostgreSQL.
 * - SQLite has one connection, held by a transaction until it ends: a query made on `db`
 *   (not `tx`) inside that transaction would wait for it forever, so it fails with a clear
 *   error (when the guard's `key` is given).
 */
class BasaltSqliteDialect extends SqliteDialect {
  readonly #key: object | undefined;

  constructor(config: SqliteDialectConfig, key: object | undefined) {
    super(config);
    this.#key = key;
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const readOnly = new WeakSet<DatabaseConnection>();
    driver.beginTransaction = async (connection, settings) => {
      if (settings.accessMode === 'read only') {
        // After BEGIN, so a BEGIN that fails leaves the connection writable.
        await connection.executeQuery(CompiledQuery.raw('begin deferred'));
        readOnly.add(connection);
        await connection.executeQuery(CompiledQuery.raw('pragma query_only = on'));
      } else {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
      }
    };
    const end = async (connection: DatabaseConnection, statement: string) => {
      try {
        await connection.executeQuery(CompiledQuery.raw(statement));
      } finally {
        if (readOnly.delete(connection))
          await connection.executeQuery(CompiledQuery.raw('pragma query_only = off'));
      }
    };
    driver.commitTransaction = (connection) => end(connection, 'commit');
    driver.rollbackTransaction = (connection) => end(connection, 'rollback');
    // Kysely (0.29) serialises a single-connection dialect's acquisitions before asking the
    // driver, so a query on `db` inside a transaction would queue behind it forever, never
    // reaching a check. The adapter below says "several connections" to turn that off, and the
    // driver serialises here instead, after the check (as Kysely's SQLite driver did in 0.28).
    const key = this.#key;
    const mutex = new ConnectionMutex();
    const acquire = driver.acquireConnection.bind(driver);
    const release = driver.releaseConnection.bind(driver);
    driver.acquireConnection = async () => {
      if (key && isConnectionHeld(key)) {
        throw new DbError(
          'BASALT_DB_CONNECTION_HELD',
          'A query used `db` inside a transaction on SQLite, whose single connection the transaction holds: use the `tx` passed to the transaction callback',
        );
      }
      await mutex.lock();
      return acquire();
    };
    driver.releaseConnection = async (connection) => {
      try {
        await release(connection);
      } finally {
        mutex.unlock();
      }
    };
    return driver;
  }

  override createAdapter(): DialectAdapterBase {
    return new SerializedSqliteAdapter();
  }
}

/** SQLite's adapter, telling Kysely not to serialise connections (the driver above does). */
class SerializedSqliteAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

/** One holder at a time, in arrival order. */
class ConnectionMutex {
  #tail: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  async lock(): Promise<void> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
  }

  unlock(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}

/** SQLite through better-sqlite3: WAL, foreign keys on, busy timeout, one connection. */
export const sqliteAdapter: DialectAdapter = {
  name: 'sqlite',
  createDialect(options: ConnectOptions) {
    const filename = sqliteFilename(options.url);
    return new BasaltSqliteDialect({ database: () => open(filename) }, options.connectionKey);
  },
  columnType(field: FieldMeta, targetKey) {
    switch (field.kind) {
      case 'string':
      case 'email':
      case 'url':
      case 'slug':
      case 'enum':
        return `varchar(${field.max ?? 255})`;
      case 'integer':
      case 'bigInteger':
        return 'integer';
      case 'float':
        return 'real';
      case 'decimal':
        return `decimal(${field.precision}, ${field.scale})`;
      case 'boolean':
        return 'boolean';
      case 'belongsTo':
        return targetKey === 'uuid' ? 'text' : 'integer';
      default:
        return 'text';
    }
  },
  primaryKeyDefinition(type) {
    return type === 'uuid' ? 'text primary key' : 'integer primary key autoincrement';
  },
  literal(field, value) {
    if (value === null) return 'null';
    if (typeof value === 'boolean') return value ? '1' : '0';
    if (typeof value === 'number') return String(value);
    if (field.kind === 'json' || field.kind === 'file') return quoteString(JSON.stringify(value));
    if (value instanceof Date) return quoteString(value.toISOString());
    return quoteString(String(value));
  },
  toDb(field, value) {
    if (value === null || value === undefined) return null;
    switch (field.kind) {
      case 'boolean':
        return value ? 1 : 0;
      case 'datetime':
        return value instanceof Date ? value.toISOString() : new Date(value as string).toISOString();
      case 'json':
      case 'file':
        return JSON.stringify(value);
      case 'decimal':
        return Number(value);
      default:
        return typeof value === 'boolean' ? (value ? 1 : 0) : value;
    }
  },
  fromDb(field, value) {
    if (value === null || value === undefined) return null;
    switch (field.kind) {
      case 'boolean':
        return value === 1 || value === true || value === '1';
      case 'datetime':
        return new Date(value as string);
      case 'json':
      case 'file':
        return typeof value === 'string' ? JSON.parse(value) : value;
      case 'decimal':
        return formatDecimal(value as number, field.scale);
      default:
        return value;
    }
  },
  isLockTimeout(error) {
    // SQLITE_BUSY and its extended codes (_SNAPSHOT, _RECOVERY, _TIMEOUT).
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
  },
  classifyError(error) {
    const e = error as { code?: unknown; message?: unknown };
    if (
      typeof e?.code !== 'string' ||
      !e.code.startsWith('SQLITE_CONSTRAINT') ||
      typeof e.message !== 'string'
    )
      return undefined;
    const message = e.message;
    let m = UNIQUE.exec(message);
    if (m?.[1])
      return { type: 'unique', ...tableColumns(m[1]), constraint: null } satisfies ConstraintViolation;
    m = NOT_NULL.exec(message);
    if (m?.[1]) return { type: 'notNull', ...tableColumns(m[1]), constraint: null };
    m = CHECK.exec(message);
    if (m?.[1]) return { type: 'check', table: null, columns: [], constraint: m[1] };
    // ON DELETE RESTRICT reports SQLITE_CONSTRAINT_TRIGGER with the same message.
    if (e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || message === 'FOREIGN KEY constraint failed')
      return { type: 'foreignKey', table: null, columns: [], constraint: null };
    return undefined;
  },
};
