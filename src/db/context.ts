import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely, RawBuilder } from 'kysely';
import { CompiledQuery, sql } from 'kysely';
import type { DialectAdapter, DirectPath, DirectQuery } from './dialects/dialect.js';
import { quoteId } from './dialects/dialect.js';
import type { FieldMeta } from './meta.js';
import type { AnyModel } from './model.js';
import type { ModelRegistry } from './registry.js';
import type { ReadSession, ReplicaSet } from './replicas.js';
import type { StatementHooks } from './statement-hooks.js';

/** Kysely's view of our tables: dynamic names, untyped columns. */
export type AnyDB = Record<string, Record<string, unknown>>;

/** A transaction scope: its after-commit callbacks and savepoint depth (internal). */
export interface TxScope {
  depth: number;
  callbacks: Array<() => unknown>;
  /** After-rollback callbacks: run if this scope's changes are rolled back. */
  rollbacks: Array<() => unknown>;
  parent: TxScope | null;
  /** Shared by a whole transaction: numbers savepoints uniquely. */
  savepoints: { next: number };
  /** Whether the outermost transaction is read-only (no row locks, no writes). */
  readOnly: boolean;
}

/** A transaction holding a database's connection, as seen from code running inside it. */
interface HeldConnection {
  key: object;
  active: boolean;
}

const held = new AsyncLocalStorage<readonly HeldConnection[]>();

/**
 * Runs `fn` marked as "inside a transaction on the connection identified by `key`", so that
 * SQLite can refuse (instead of waiting forever) a query made on `db` rather than on `tx`.
 */
export async function holdingConnection<T>(key: object, fn: () => Promise<T>): Promise<T> {
  const entry: HeldConnection = { key, active: true };
  try {
    return await held.run([...(held.getStore() ?? []), entry], fn);
  } finally {
    entry.active = false;
  }
}

/** Whether the current async context runs inside a transaction holding connection `key`. */
export function isConnectionHeld(key: object): boolean {
  return held.getStore()?.some((e) => e.key === key && e.active) ?? false;
}

/** What queries and operations run against (internal). */
export interface DbContext {
  /** Identifies the database's connection(s), for {@link holdingConnection}. */
  key?: object;
  adapter: DialectAdapter;
  registry: ModelRegistry;
  kysely: Kysely<AnyDB>;
  scope: TxScope | null;
  /**
   * Runs one compiled statement on the pool without Kysely (PostgreSQL, no query log).
   * Only for statements outside a transaction: check `scope === null` before using it.
   */
  direct?: DirectQuery;
  /** Closes every connection of the database (Kysely's and the direct path's). */
  close?: () => Promise<void>;
  /** Who the writes are made for (the operation layer's actor), handed to model hooks. */
  actor?: unknown;
  /** What runs around each statement of the database (tracing), shared by its servers. */
  statements?: StatementHooks;
  /** PostgreSQL: the direct path's pool, for its figures (metrics). */
  pool?: DirectPath;
  /** PostgreSQL: read replicas that reads outside a transaction may go to. */
  replicas?: ReplicaSet;
  /** What this unit of work wrote, deciding whether its reads may go to a replica. */
  session?: ReadSession;
}

/**
 * Runs one compiled statement: on the direct path when the database has one and `ctx` is
 * outside a transaction (a transaction's statements must stay on its connection), through
 * Kysely otherwise (SQLite, a query log, a transaction). Rows come back the same either way:
 * both use the same pg pool and type parsers, and Kysely has no plugins here.
 */
export function runCompiled(ctx: DbContext, query: CompiledQuery): Promise<{ rows: unknown[] }> {
  return ctx.direct && ctx.scope === null
    ? ctx.direct(query.sql, query.parameters)
    : ctx.kysely.executeQuery(query);
}

/**
 * Runs a read-only statement like {@link runCompiled}, on a read replica when the database
 * has some and `ctx` may read from one (outside a transaction, nothing written yet).
 */
export function runRead(ctx: DbContext, query: CompiledQuery): Promise<{ rows: unknown[] }> {
  return ctx.replicas === undefined
    ? runCompiled(ctx, query)
    : ctx.replicas.read(ctx, (target) => runCompiled(target, query));
}

/** {@link runRaw} for a read-only statement: on a replica when `ctx` may read from one. */
export function runRawRead(ctx: DbContext, query: RawBuilder<unknown>): Promise<{ rows: unknown[] }> {
  return ctx.replicas === undefined
    ? runRaw(ctx, query)
    : ctx.replicas.read(ctx, (target) => runCompiled(target, query.compile(ctx.kysely)));
}

/**
 * What a statement returns on either path: its rows, and for a write the rows it changed
 * (`rowCount` from pg on the direct path, `numAffectedRows` from Kysely otherwise).
 */
export interface StatementResult {
  rows: unknown[];
  rowCount?: number | null;
  numAffectedRows?: bigint;
}

/** Rows a write changed, from either path's result. */
export function affectedRows(result: StatementResult): number {
  if (typeof result.rowCount === 'number') return result.rowCount;
  return result.numAffectedRows === undefined ? 0 : Number(result.numAffectedRows);
}

/**
 * Runs SQL text built by Basalt (names from metadata, values bound) like {@link runCompiled},
 * without making a CompiledQuery on the direct path (three frozen objects per statement).
 */
export function runText(
  ctx: DbContext,
  text: string,
  parameters: readonly unknown[],
): Promise<StatementResult> {
  return ctx.direct && ctx.scope === null
    ? ctx.direct(text, parameters)
    : ctx.kysely.executeQuery(CompiledQuery.raw(text, parameters as unknown[]));
}

/** Compiles `query` with the database's Kysely (names and placeholders) and runs it with {@link runCompiled}. */
export function runRaw(ctx: DbContext, query: RawBuilder<unknown>): Promise<{ rows: unknown[] }> {
  return ctx.direct && ctx.scope === null
    ? runCompiled(ctx, query.compile(ctx.kysely))
    : query.execute(ctx.kysely);
}

const columnCache = new WeakMap<AnyModel, FieldMeta[]>();
const attributeCache = new WeakMap<AnyModel, Map<string, FieldMeta>>();

/** Column-backed fields of a model, in order. */
export function columnFields(model: AnyModel): FieldMeta[] {
  let list = columnCache.get(model);
  if (!list) {
    list = Object.values(model.meta.fields).filter((f) => f.column !== null);
    columnCache.set(model, list);
  }
  return list;
}

/** Column-backed fields by row attribute (`authorId`, `title`, ...). */
export function fieldsByAttribute(model: AnyModel): Map<string, FieldMeta> {
  let map = attributeCache.get(model);
  if (!map) {
    map = new Map(columnFields(model).map((f) => [f.attribute!, f]));
    attributeCache.set(model, map);
  }
  return map;
}

/** A database row (by column) to a model row (by attribute, JS values). */
export function rowFromDb(
  ctx: DbContext,
  model: AnyModel,
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of columnFields(model)) {
    if (field.column! in raw) out[field.attribute!] = ctx.adapter.fromDb(field, raw[field.column!]);
  }
  return out;
}

/** A model row (by attribute) to column values ready to bind. */
export function rowToDb(
  ctx: DbContext,
  model: AnyModel,
  row: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = fieldsByAttribute(model);
  // for-in rather than Object.entries: no array of pairs per write.
  for (const key in row) {
    const value = row[key];
    const field = fields.get(key);
    if (field && value !== undefined) out[field.column!] = ctx.adapter.toDb(field, value);
  }
  return out;
}

/** `"alias"."column"` as one raw SQL node (names come from metadata, never from input). */
export function columnRef(alias: string, column: string): RawBuilder<unknown> {
  return sql.raw(`${quoteId(alias)}.${quoteId(column)}`);
}

const selectCache = new WeakMap<AnyModel, Map<string, RawBuilder<unknown>>>();

/** The select list of every column of a model under `alias`, built once per model and alias. */
export function selectAll(model: AnyModel, alias: string): RawBuilder<unknown> {
  let byAlias = selectCache.get(model);
  if (!byAlias) {
    byAlias = new Map();
    selectCache.set(model, byAlias);
  }
  let list = byAlias.get(alias);
  if (!list) {
    list = sql.raw(
      columnFields(model)
        .map((f) => `${quoteId(alias)}.${quoteId(f.column!)}`)
        .join(', '),
    );
    byAlias.set(alias, list);
  }
  return list;
}
