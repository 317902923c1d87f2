import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Driver, SqliteDialect, type SqliteDialectConfig } from 'kysely';
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
 * SQLite has one connection, held by a transaction until it ends: a query made on `db`
 * (not `tx`) inside that transaction would wait for it forever, so it fails with a clear error.
 */
class GuardedSqliteDialect extends SqliteDialect {
  readonly #key: object | undefined;

  constructor(config: SqliteDialectConfig, key: object | undefined) {
    super(config);
    this.#key = key;
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const key = this.#key;
    if (!key) return driver;
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () => {
      if (isConnectionHeld(key)) {
        throw new DbError(
          'BASALT_DB_CONNECTION_HELD',
          'A query used `db` inside a transaction on SQLite, whose single connection the transaction holds: use the `tx` passed to the transaction callback',
        );
      }
      return acquire();
    };
    return driver;
  }
}

/** SQLite through better-sqlite3: WAL, foreign keys on, busy timeout, one connection. */
export const sqliteAdapter: DialectAdapter = {
  name: 'sqlite',
  createDialect(options: ConnectOptions) {
    const filename = sqliteFilename(options.url);
    return new GuardedSqliteDialect({ database: () => open(filename) }, options.connectionKey);
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
