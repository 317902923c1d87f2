import type { Dialect } from 'kysely';
import type { FieldMeta } from '../meta.js';
import type { StatementHooks } from '../statement-hooks.js';

/** A constraint violation reported by the database, in dialect-neutral terms. */
export interface ConstraintViolation {
  type: 'unique' | 'foreignKey' | 'notNull' | 'check';
  table: string | null;
  /** Columns involved, when the database says. */
  columns: string[];
  constraint: string | null;
}

/** Options a dialect needs to connect. */
export interface ConnectOptions {
  url: string;
  /** PostgreSQL only: schema search path for every connection (tests use one schema per file). */
  searchPath?: string;
  /** PostgreSQL only: pool size. */
  poolSize?: number;
  /** PostgreSQL only: how long an idle pooled connection is kept (ms; 0 keeps it). */
  idleTimeoutMs?: number;
  /** PostgreSQL only: the server cancels a statement running longer (ms; 0: no limit). */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL only: how many distinct statements of the direct path run as named prepared
   * statements (parsed and planned once per connection); 0 sends every statement unnamed.
   * Overrides the URL's `statement_cache_size` parameter.
   */
  statementCacheSize?: number;
  /** PostgreSQL only: how long opening a connection, or waiting for a free one, may take (ms, default 5000). */
  connectTimeoutMs?: number;
  /** SQLite: identifies the connection, so a query on `db` inside its own transaction fails fast. */
  connectionKey?: object;
}

/**
 * Everything that differs between databases: connection, column types, value
 * conversion and error classification. Migrations reuse `columnType` and the DDL in ddl.ts.
 */
/** Runs compiled SQL on the driver's pool, outside Kysely: for the hottest single statements. */
export type DirectQuery = (
  text: string,
  parameters: readonly unknown[],
) => Promise<{ rows: unknown[]; rowCount?: number | null }>;

/** A {@link DirectQuery} and how to release its connections (idempotent, also after Kysely's own destroy). */
export interface DirectPath {
  query: DirectQuery;
  close(): Promise<void>;
  /** The pool's connections now (PostgreSQL). */
  stats?(): PoolStats;
  /** Calls `observer` with the seconds each statement of the pool took (undefined: stop). */
  observe?(observer: ((seconds: number) => void) | undefined): void;
  /** Runs each statement of the pool through `hooks.wrap` whenever one is set (tracing). */
  useHooks?(hooks: StatementHooks): void;
}

/** A connection pool's connections: open, idle, and requests waiting for one. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface DialectAdapter {
  readonly name: 'sqlite' | 'postgres';
  /** A Kysely dialect; the driver module is loaded on first use. */
  createDialect(options: ConnectOptions): Dialect;
  /**
   * A way to run one statement on the same connections as `dialect` without Kysely's
   * connection bookkeeping (PostgreSQL: the pg Pool's own `query`); undefined when the
   * driver gains nothing from it.
   */
  directQuery?(dialect: Dialect): DirectPath | undefined;
  /** SQL column type of a column-backed field; `targetKey` is the key type of a belongsTo target. */
  columnType(field: FieldMeta, targetKey: 'integer' | 'uuid'): string;
  /** The primary-key column definition (type and constraint). */
  primaryKeyDefinition(type: 'integer' | 'uuid'): string;
  /** A literal for a column DEFAULT (values are the field's JS values). */
  literal(field: FieldMeta, value: unknown): string;
  /** JS value to a bind parameter. */
  toDb(field: FieldMeta, value: unknown): unknown;
  /** Column value to the field's JS value. */
  fromDb(field: FieldMeta, value: unknown): unknown;
  /** Recognises a constraint violation in a driver error. */
  classifyError(error: unknown): ConstraintViolation | undefined;
  /** Whether a driver error says a lock was not obtained in time (NOWAIT, lock_timeout, busy timeout). */
  isLockTimeout(error: unknown): boolean;
}

/** Double-quotes an identifier. */
export function quoteId(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Single-quotes a string literal. */
export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Formats a number as a decimal string with `scale` digits. */
export function formatDecimal(value: number | string, scale: number | null): string {
  if (typeof value === 'string') return value;
  return scale === null ? String(value) : value.toFixed(scale);
}
