import { CompiledQuery, type RawBuilder, type SqlBool, sql } from 'kysely';
import {
  columnFields,
  columnRef,
  type DbContext,
  fieldsByAttribute,
  rowFromDb,
  runCompiled,
  runRawRead,
  runRead,
  selectAll,
} from '../context.js';
import { formatDecimal, quoteId } from '../dialects/dialect.js';
import { DbError, InvalidQueryError, RecordNotFoundError } from '../errors.js';
import type { Infer, PrimaryKeyOf } from '../infer.js';
import type { AnyModel } from '../model.js';
import { mapLockError } from '../operations/map-error.js';
import { afterCursor, encodeCursor } from './cursor.js';
import { loadIncludes } from './include.js';
import { MATCHING_COLUMN, matchesPageSql } from './matches.js';
import { type OrderItem, orderSql, resolveOrder } from './order.js';
import type {
  Aggregate,
  AggregateResult,
  IncludePath,
  OrderKey,
  Page,
  Where,
  WithIncludes,
} from './types.js';
import { compileWhere } from './where.js';

/** An ORDER BY expression placed before the query's ordering (relevance: `SEARCH_RANK`). */
type RankOrder = (alias: string, dialect: 'sqlite' | 'postgres') => RawBuilder<unknown>;

/** The key of the method ordering a query by relevance first, for Basalt's own layers (not apps). */
export const RANK_FIRST: unique symbol = Symbol('basalt.rankFirst');

/** The key of the method reading rows through the ordering's index (SQLite), for Basalt's own layers. */
export const ORDER_INDEX: unique symbol = Symbol('basalt.orderIndex');

/** The key of the method reading a page and the count from one set of matches, for Basalt's own layers. */
export const FROM_MATCHES: unique symbol = Symbol('basalt.fromMatches');

interface QueryState {
  where: object[];
  order: readonly string[] | null;
  /** Higher first, before `order` (a search's relevance). */
  rank: RankOrder | null;
  /** SQLite: the index rows are read through (`INDEXED BY`), see `ORDER_INDEX`. */
  indexedBy: string | null;
  limit: number | null;
  offset: number | null;
  select: readonly string[] | null;
  include: readonly string[];
  groupBy: readonly string[];
  lock: RowLock | null;
}

/** A row lock of a query: `for update` / `for share`, with what to do about rows locked by others. */
interface RowLock {
  mode: 'update' | 'share';
  wait: 'wait' | 'skipLocked' | 'noWait';
}

/**
 * Options of {@link Query.forUpdate} and {@link Query.forShare}: at most one of them.
 * PostgreSQL only; on SQLite they change nothing (see `forUpdate`).
 */
export type LockOptions =
  | { skipLocked?: false; noWait?: false }
  | { skipLocked: true; noWait?: false }
  | { noWait: true; skipLocked?: false };

type Row = Record<string, unknown>;

/** Result of {@link Query.aggregate}: one object, or one per group with `groupBy`. */
export type AggregateRows<M, G extends string, S> = [G] extends [never]
  ? { [K in keyof S]: AggregateResult<S[K], Infer<M>> }
  : Array<Pick<Infer<M>, G & keyof Infer<M>> & { [K in keyof S]: AggregateResult<S[K], Infer<M>> }>;

/**
 * An immutable, typed query over one model; every method returns a new query.
 *
 * @example
 * const page = await db.query(Book).where({ price: { lt: '20' } }).orderBy('-publishedOn').include('author').page({ limit: 20 });
 */
const byKeyText = new WeakMap<AnyModel, Map<string, string>>();
const MAX_SHAPES = 256;
/** Compiled filter-free statements by model and shape (see Query.#shapeKey). */
const statements = new WeakMap<AnyModel, Map<string, CompiledQuery>>();

function cachedStatement(model: AnyModel, key: string): CompiledQuery | undefined {
  return statements.get(model)?.get(key);
}

function cacheStatement(model: AnyModel, key: string, compiled: CompiledQuery): void {
  let byShape = statements.get(model);
  if (!byShape) {
    byShape = new Map();
    statements.set(model, byShape);
  }
  // Shapes can come from a client (a page's offset): bound the cache rather than grow forever.
  if (byShape.size >= MAX_SHAPES) byShape.clear();
  byShape.set(key, compiled);
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * The state of every new query, shared: a query never mutates its state (each method makes
 * a new one), so `db.query(Model)` allocates no arrays (it runs several times per request).
 */
const INITIAL_STATE: QueryState = Object.freeze({
  where: Object.freeze([]) as unknown as object[],
  order: null,
  limit: null,
  offset: null,
  rank: null,
  indexedBy: null,
  select: null,
  include: Object.freeze([]),
  groupBy: Object.freeze([]),
  lock: null,
});

/** The shape keys of a filter-free `all()` on a new query (see Query.#shapeKey). */
const PRISTINE_KEYS = new Map<string, string>();

/**
 * A query over one model, built by `db.query(Model)`: chain `where`, `orderBy`, `include`, `select`,
 * `limit`, then read with `all`, `get`, `first`, `count`, `exists`, `page` or `aggregate`.
 */
export class Query<M extends AnyModel, R = Infer<M>, TModels = never, G extends string = never> {
  readonly #ctx: DbContext;
  readonly #model: M;
  readonly #state: QueryState;

  /** @internal Use `db.query(Model)`. */
  constructor(ctx: DbContext, model: M, state?: QueryState) {
    this.#ctx = ctx;
    this.#model = model;
    this.#state = state ?? INITIAL_STATE;
  }

  #with<R2 = R, G2 extends string = G>(patch: Partial<QueryState>): Query<M, R2, TModels, G2> {
    return new Query<M, R2, TModels, G2>(this.#ctx, this.#model, { ...this.#state, ...patch });
  }

  /** Adds a filter (AND-ed with earlier ones). */
  where(where: Where<M, TModels>): Query<M, R, TModels, G> {
    return this.#with({ where: [...this.#state.where, where] });
  }

  /** Orders by fields; `-field` is descending. Replaces the model's default ordering. */
  orderBy(...keys: OrderKey<M>[]): Query<M, R, TModels, G> {
    return this.#with({ order: keys });
  }

  /** @internal Orders by `rank` (higher first) before the ordering: a search's relevance. */
  [RANK_FIRST](rank: RankOrder): Query<M, R, TModels, G> {
    return this.#with({ rank });
  }

  /**
   * @internal On SQLite, reads the rows through the index that serves the ordering, or null
   * when none does (or on PostgreSQL, whose planner weighs that itself). For a filter that
   * matches many rows: SQLite's planner, without statistics of the filtered column's values,
   * takes the filter's index and sorts every match, where walking the ordering's index stops
   * after a page.
   */
  [ORDER_INDEX](): Query<M, R, TModels, G> | null {
    if (this.#ctx.adapter.name !== 'sqlite') return null;
    const items = this.#orderItems(true);
    const names = items.map((i) => i.field.name);
    const direction = items.every((i) => i.desc === items[0]?.desc);
    if (!direction || names.length === 0) return null;
    const index = this.#model.meta.indexes.find(
      (ix) => ix.where === undefined && names.every((n, i) => ix.fields[i] === n),
    );
    return index === undefined ? null : this.#with({ indexedBy: index.name });
  }

  /**
   * @internal This query's page (its `limit` and `offset`) and how many rows match, from at
   * most `upTo + 1` matching rows read once (see `matchesPageSql`): `matching` is exact, or
   * null for an empty page past the first. Null when more than `upTo` rows match (the page
   * would come from an arbitrary part of them), and for a query it does not serve (no limit,
   * a selection, a rank, a lock or an index hint).
   */
  async [FROM_MATCHES](upTo: number): Promise<{ rows: R[]; matching: number | null } | null> {
    const state = this.#state;
    if (
      state.limit === null ||
      state.select !== null ||
      state.rank !== null ||
      state.lock !== null ||
      state.indexedBy !== null
    )
      return null;
    const ctx = this.#ctx;
    const model = this.#model;
    const offset = state.offset ?? 0;
    const text = matchesPageSql({
      from: this.#from(),
      where: this.#whereSql(),
      order: this.#orderItems(false),
      columns: selectAll(model, 't0'),
      upTo: count('upTo', upTo),
      limit: state.limit,
      offset,
    });
    const raw = (await runRead(ctx, text.compile(ctx.kysely))).rows as Row[];
    const first = raw[0];
    const matching = first !== undefined ? Number(first[MATCHING_COLUMN]) : offset === 0 ? 0 : null;
    if (matching !== null && matching > upTo) return null;
    const rows = raw.map((row) => rowFromDb(ctx, model, row));
    if (state.include.length > 0) await loadIncludes(ctx, model, rows, state.include);
    return { rows: rows as R[], matching };
  }

  /** Returns at most `limit` rows. */
  limit(limit: number): Query<M, R, TModels, G> {
    return this.#with({ limit: count('limit', limit) });
  }

  /** Skips the first `offset` rows. */
  offset(offset: number): Query<M, R, TModels, G> {
    return this.#with({ offset: count('offset', offset) });
  }

  /** Returns only these fields (the row type narrows accordingly). */
  select<K extends keyof Infer<M> & string>(...fields: K[]): Query<M, Pick<Infer<M>, K>, TModels, G> {
    return this.#with<Pick<Infer<M>, K>>({ select: fields });
  }

  /** Loads relations (`'author'`, or nested `'reviews.customer'`), one batched query per relation and level. */
  include<K extends IncludePath<M, TModels>>(
    ...relations: K[]
  ): Query<M, R & WithIncludes<M, TModels, K>, TModels, G> {
    return this.#with<R & WithIncludes<M, TModels, K>>({ include: [...this.#state.include, ...relations] });
  }

  /** Groups rows for {@link aggregate}. */
  groupBy<K extends keyof Infer<M> & string>(...fields: K[]): Query<M, R, TModels, K> {
    return this.#with<R, K>({ groupBy: fields });
  }

  /**
   * Locks the rows this query reads until the transaction ends (`SELECT … FOR UPDATE`), so
   * "read, check, then write" cannot interleave with another transaction doing the same.
   * Only inside a read-write transaction; `count()` and `aggregate()` refuse it.
   *
   * PostgreSQL locks the model's rows only (`FOR UPDATE OF`; included relations are read
   * without locks). `skipLocked` leaves out rows another transaction holds (a work queue);
   * `noWait` fails at once with `LockTimeoutError` (503) instead of waiting. SQLite has no
   * row locks: a read-write transaction already holds the database's write lock from its
   * first statement (`BEGIN IMMEDIATE`), which is stronger, so the clause is left out and
   * both options change nothing (no row is ever locked by another writer there).
   *
   * @example
   * await db.transaction(async (tx) => {
   *   const copy = await tx.query(Copy).forUpdate().get(id);
   *   if (copy.available < 1) throw new ConflictError('No copy left');
   *   await tx.update(Copy, id, { available: copy.available - 1 });
   * });
   */
  forUpdate(options: LockOptions = {}): Query<M, R, TModels, G> {
    return this.#with({ lock: this.#lock('update', options) });
  }

  /**
   * Like {@link forUpdate} with a shared lock (`FOR SHARE`): other transactions may read and
   * share-lock the rows but not change them until this transaction ends. On SQLite, as
   * `forUpdate`.
   */
  forShare(options: LockOptions = {}): Query<M, R, TModels, G> {
    return this.#with({ lock: this.#lock('share', options) });
  }

  #lock(mode: RowLock['mode'], options: LockOptions): RowLock {
    const what = mode === 'update' ? 'forUpdate()' : 'forShare()';
    const scope = this.#ctx.scope;
    if (scope === null)
      throw new DbError(
        'BASALT_DB_INVALID_LOCK',
        `${what} on '${this.#model.name}' outside a transaction: a lock lasts until its transaction ends, so here it would protect nothing. Run the read and the write in db.transaction(async (tx) => …) and query through tx`,
      );
    if (scope.readOnly)
      throw new DbError(
        'BASALT_DB_INVALID_LOCK',
        `${what} on '${this.#model.name}' in a read-only transaction: row locks need a read-write transaction`,
      );
    const opts = (options ?? {}) as { skipLocked?: unknown; noWait?: unknown };
    if (opts.skipLocked === true && opts.noWait === true)
      throw new DbError(
        'BASALT_DB_INVALID_LOCK',
        `${what}: skipLocked and noWait exclude each other (skip locked rows, or fail on them)`,
      );
    return { mode, wait: opts.skipLocked === true ? 'skipLocked' : opts.noWait === true ? 'noWait' : 'wait' };
  }

  /** The locking clause of a SELECT, or nothing (no lock, or SQLite: see {@link forUpdate}). */
  #lockSql(): string {
    const lock = this.#state.lock;
    if (lock === null || this.#ctx.adapter.name !== 'postgres') return '';
    const wait = lock.wait === 'skipLocked' ? ' skip locked' : lock.wait === 'noWait' ? ' nowait' : '';
    return ` for ${lock.mode === 'update' ? 'update' : 'share'} of t0${wait}`;
  }

  #refuseLock(what: string): void {
    if (this.#state.lock !== null)
      throw new DbError(
        'BASALT_DB_INVALID_LOCK',
        `${what}() cannot lock rows (PostgreSQL refuses FOR UPDATE/SHARE with aggregates): lock them with all() or first(), or count without forUpdate()`,
      );
  }

  #whereSql(extra?: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
    const parts = this.#state.where.map((w) => compileWhere(this.#ctx, this.#model, w, 't0'));
    if (extra) parts.push(extra);
    return parts.length ? sql<SqlBool>`${sql.join(parts, sql` and `)}` : sql<SqlBool>`1 = 1`;
  }

  #from(): RawBuilder<unknown> {
    return sql.raw(`${quoteId(this.#model.meta.table)} as t0`);
  }

  #orderItems(tiebreak: boolean): OrderItem[] {
    return resolveOrder(this.#model, this.#state.order ?? this.#model.meta.ordering, tiebreak);
  }

  async #fetch(limit: number | null, extraWhere?: RawBuilder<SqlBool>, order?: OrderItem[]): Promise<Row[]> {
    const ctx = this.#ctx;
    const model = this.#model;
    // Without filters the statement depends only on the query's shape: compile it once.
    const key =
      this.#state.where.length === 0 && extraWhere === undefined ? this.#shapeKey('f', limit, order) : null;
    let compiled = key === null ? undefined : cachedStatement(model, key);
    if (compiled === undefined) {
      compiled = this.#select(limit, extraWhere, order).compile(ctx.kysely);
      if (key !== null) cacheStatement(model, key, compiled);
    }
    const result = this.#state.lock === null ? await runRead(ctx, compiled) : await this.#locked(compiled);
    const raw = result.rows as Row[];
    const rows: Row[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i += 1) rows[i] = rowFromDb(ctx, model, raw[i]!);
    if (this.#state.include.length > 0) await loadIncludes(ctx, model, rows, this.#state.include);
    return rows;
  }

  /** Runs a locking statement, a lock not obtained in time becoming a `LockTimeoutError`. */
  #locked(compiled: CompiledQuery): Promise<{ rows: unknown[] }> {
    return runCompiled(this.#ctx, compiled).catch((error: unknown) => {
      throw mapLockError(this.#ctx, error);
    });
  }

  /**
   * What identifies a filter-free statement of this query: the dialect, the kind of
   * statement, and every part of the state that shapes its SQL (the model is the cache's key).
   */
  #shapeKey(kind: string, limit: number | null, order?: OrderItem[]): string {
    const s = this.#state;
    // `db.query(M).all()`, the commonest shape, without building the key each time.
    const pristine = s === INITIAL_STATE && kind === 'f' && limit === null && order === undefined;
    if (pristine) {
      const known = PRISTINE_KEYS.get(this.#ctx.adapter.name);
      if (known !== undefined) return known;
    }
    const key = `${this.#ctx.adapter.name}|${kind}|${order ? 'p' : ''}${s.rank === null ? '' : 'r'}${s.indexedBy ?? ''}|${s.order?.join(',') ?? '~'}|${limit ?? '~'}|${s.offset ?? '~'}|${s.select?.join(',') ?? '~'}|${s.include.join(',')}|${s.lock === null ? '' : `${s.lock.mode}:${s.lock.wait}`}`;
    if (pristine) PRISTINE_KEYS.set(this.#ctx.adapter.name, key);
    return key;
  }

  #select(limit: number | null, extraWhere?: RawBuilder<SqlBool>, order?: OrderItem[]): RawBuilder<unknown> {
    const model = this.#model;
    const attrs = this.#state.select;
    let fields = columnFields(model);
    if (attrs) {
      const byAttr = fieldsByAttribute(model);
      const needed = new Set<string>(attrs);
      // Relation loading and cursors need the key columns even when not selected.
      needed.add('id');
      const relations = this.#ctx.registry.relations(model);
      for (const path of this.#state.include) {
        const rel = relations.get(path.split('.')[0]!);
        if (rel?.kind === 'belongsTo') needed.add(rel.attribute);
      }
      for (const item of order ?? []) needed.add(item.field.attribute!);
      fields = [...needed].map((a) => {
        const field = byAttr.get(a);
        if (!field) throw new InvalidQueryError(`Cannot select unknown field '${a}' of '${model.name}'`);
        return field;
      });
    }
    const items = order ?? this.#orderItems(false);
    const cols = attrs ? sql.join(fields.map((f) => columnRef('t0', f.column!))) : selectAll(model, 't0');
    const rank = this.#state.rank;
    const ranked = rank === null ? null : sql`${rank('t0', this.#ctx.adapter.name)} desc`;
    const orderBy = items.length
      ? sql` order by ${ranked === null ? sql`` : sql`${ranked}, `}${orderSql(items, 't0')}`
      : ranked === null
        ? sql``
        : sql` order by ${ranked}`;
    // SQLite accepts OFFSET only after a LIMIT; -1 means "no limit" there.
    const sqliteOffsetOnly =
      limit === null && this.#state.offset !== null && this.#ctx.adapter.name === 'sqlite';
    // LIMIT/OFFSET are validated integers, inlined: a bound LIMIT is measurably slower on SQLite.
    const limitSql = limit !== null ? sql.raw(` limit ${limit}`) : sqliteOffsetOnly ? sql` limit -1` : sql``;
    const off = this.#state.offset === null ? sql`` : sql.raw(` offset ${this.#state.offset}`);
    const lock = this.#lockSql();
    const from =
      this.#state.indexedBy === null
        ? this.#from()
        : sql.raw(`${quoteId(model.meta.table)} as t0 indexed by ${quoteId(this.#state.indexedBy)}`);
    return sql`select ${cols} from ${from} where ${this.#whereSql(extraWhere)}${orderBy}${limitSql}${off}${lock === '' ? sql`` : sql.raw(lock)}`;
  }

  #strip(rows: Row[], keep: Set<string> | null): Row[] {
    if (!this.#state.select || !keep) return rows;
    for (const row of rows) for (const key of Object.keys(row)) if (!keep.has(key)) delete row[key];
    return rows;
  }

  #keep(): Set<string> | null {
    return this.#state.select
      ? new Set([...this.#state.select, ...this.#state.include.map((p) => p.split('.')[0]!)])
      : null;
  }

  /** Every matching row. */
  all(): Promise<R[]> {
    // Without `select` there is nothing to strip: the fetch's own promise is the answer.
    if (!this.#state.select) return this.#fetch(this.#state.limit) as Promise<R[]>;
    return this.#fetch(this.#state.limit).then((rows) => this.#strip(rows, this.#keep()) as R[]);
  }

  /** The first matching row, or `undefined`. */
  async first(): Promise<R | undefined> {
    const rows = await this.#fetch(1);
    return this.#strip(rows, this.#keep())[0] as R | undefined;
  }

  /** The row with this primary key (or matching this filter); throws {@link RecordNotFoundError}. */
  get(idOrWhere: PrimaryKeyOf<M> | Where<M, TModels>): Promise<R> {
    // By primary key: one promise on top of the driver's (this runs N times per request in
    // list endpoints and the TechEmpower queries test).
    if (this.#pristine() && this.#isKey(idOrWhere)) {
      try {
        return this.#byKey(idOrWhere) as Promise<R>;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#getWhere(idOrWhere);
  }

  async #getWhere(idOrWhere: PrimaryKeyOf<M> | Where<M, TModels>): Promise<R> {
    const query =
      typeof idOrWhere === 'object'
        ? this.where(idOrWhere)
        : // A primary key matches one row: no ORDER BY needed.
          this.where({ id: idOrWhere } as unknown as Where<M, TModels>).#with({ order: [] });
    const row = await query.first();
    if (row === undefined) throw new RecordNotFoundError(this.#model.meta.label);
    return row;
  }

  #pristine(): boolean {
    const state = this.#state;
    return (
      state.where.length === 0 &&
      state.select === null &&
      state.include.length === 0 &&
      state.groupBy.length === 0 &&
      state.offset === null &&
      state.lock === null
    );
  }

  #isKey(value: unknown): boolean {
    return this.#model.meta.primaryKey.type === 'integer'
      ? Number.isSafeInteger(value)
      : typeof value === 'string' && UUID.test(value);
  }

  /**
   * A row by primary key through SQL text built once per model: the lookup auth does on
   * every authenticated request, and REST on every retrieve (see bench/, auth suite).
   */
  #byKey(id: unknown): Promise<Row> {
    const model = this.#model;
    const dialect = this.#ctx.adapter.name;
    let byDialect = byKeyText.get(model);
    if (!byDialect) {
      byDialect = new Map();
      byKeyText.set(model, byDialect);
    }
    let text = byDialect.get(dialect);
    if (text === undefined) {
      const select = sql`select ${selectAll(model, 't0')} from ${this.#from()}`.compile(this.#ctx.kysely).sql;
      text = `${select} where ${quoteId('t0')}.${quoteId('id')} = ${dialect === 'postgres' ? '$1' : '?'} limit 1`;
      byDialect.set(dialect, text);
    }
    const ctx = this.#ctx;
    const pending =
      ctx.replicas !== undefined
        ? runRead(ctx, CompiledQuery.raw(text, [id]))
        : ctx.direct && ctx.scope === null
          ? ctx.direct(text, [id])
          : ctx.kysely.executeQuery(CompiledQuery.raw(text, [id]));
    return pending.then((result) => {
      const raw = result.rows[0] as Row | undefined;
      if (raw === undefined) throw new RecordNotFoundError(model.meta.label);
      return rowFromDb(ctx, model, raw);
    });
  }

  /**
   * Number of matching rows. With `upTo`, counting stops past that many (`upTo + 1` is
   * returned for "more"): a bounded cost however many rows match.
   *
   * @example
   * const n = await db.query(Book).where({ price: { lt: '2' } }).count({ upTo: 10_000 }); // ≤ 10,001
   */
  async count(options: { upTo?: number } = {}): Promise<number> {
    this.#refuseLock('count');
    const upTo = options.upTo === undefined ? null : count('upTo', options.upTo);
    const result =
      upTo === null
        ? await this.#run('c', () => sql`select count(*) as n from ${this.#from()} where ${this.#whereSql()}`)
        : await this.#run(
            `c${upTo}`,
            () =>
              sql`select count(*) as n from (select 1 as one from ${this.#from()} where ${this.#whereSql()} limit ${sql.raw(String(upTo + 1))}) as capped`,
          );
    return Number((result.rows[0] as { n?: number | string } | undefined)?.n ?? 0);
  }

  /**
   * The database's estimate of the matching rows, without counting them: on PostgreSQL
   * the table's `reltuples` without filters, else the planner's row estimate
   * (`EXPLAIN (FORMAT JSON)`); `null` on SQLite, or when PostgreSQL has no statistics yet
   * (the table was never analysed).
   */
  async estimateCount(): Promise<number | null> {
    this.#refuseLock('estimateCount');
    if (this.#ctx.adapter.name !== 'postgres') return null;
    if (this.#state.where.length === 0) {
      const result = await this.#run(
        'r',
        () =>
          sql`select reltuples::float8 as n from pg_class where oid = to_regclass(${quoteId(this.#model.meta.table)})`,
      );
      const n = Number((result.rows[0] as { n?: number | string } | undefined)?.n ?? -1);
      return n >= 0 ? Math.round(n) : null;
    }
    const result = await runRawRead(
      this.#ctx,
      sql`explain (format json) select 1 from ${this.#from()} where ${this.#whereSql()}`,
    );
    const row = result.rows[0] as Record<string, unknown> | undefined;
    const raw = row ? Object.values(row)[0] : undefined;
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan?: { 'Plan Rows'?: number } }];
    const rows = plan?.[0]?.Plan?.['Plan Rows'];
    return typeof rows === 'number' ? Math.round(rows) : null;
  }

  /** Whether any row matches. */
  async exists(): Promise<boolean> {
    const lock = this.#lockSql();
    const result = await this.#run(
      'e',
      () => sql`select 1 as one from ${this.#from()} where ${this.#whereSql()} limit 1${sql.raw(lock)}`,
    );
    return result.rows.length > 0;
  }

  /** Runs a statement of this query, compiled once per shape when it has no filters. */
  #run(kind: string, build: () => RawBuilder<unknown>): Promise<{ rows: unknown[] }> {
    const key = this.#state.where.length === 0 ? this.#shapeKey(kind, null) : null;
    let compiled = key === null ? undefined : cachedStatement(this.#model, key);
    if (compiled === undefined) {
      compiled = build().compile(this.#ctx.kysely);
      if (key !== null) cacheStatement(this.#model, key, compiled);
    }
    return this.#state.lock === null ? runRead(this.#ctx, compiled) : this.#locked(compiled);
  }

  /**
   * Keyset (cursor) pagination: stable across inserts and ties (the primary key breaks ties).
   *
   * @example
   * const first = await db.query(Book).orderBy('price').page({ limit: 20 });
   * const next = await db.query(Book).orderBy('price').page({ limit: 20, after: first.nextCursor! });
   */
  async page(options: { limit: number; after?: string | null }): Promise<Page<R>> {
    count('limit', options.limit);
    const items = this.#orderItems(true);
    const extra = options.after ? afterCursor(this.#ctx, this.#model, items, options.after, 't0') : undefined;
    const rows = await this.#fetch(options.limit + 1, extra, items);
    const hasMore = rows.length > options.limit;
    const pageRows = rows.slice(0, options.limit);
    const last = pageRows[pageRows.length - 1];
    const nextCursor = hasMore && last ? encodeCursor(items, last) : null;
    return { items: this.#strip(pageRows, this.#keep()) as R[], nextCursor, hasMore };
  }

  /**
   * Aggregates over the matching rows (per group with {@link groupBy}).
   *
   * @example
   * const { n, total } = await db.query(Book).aggregate({ n: agg.count(), total: agg.sum('price') });
   */
  async aggregate<
    S extends Record<string, Aggregate<'count' | 'sum' | 'avg' | 'min' | 'max', keyof Infer<M> & string>>,
  >(spec: S): Promise<AggregateRows<M, G, S>> {
    this.#refuseLock('aggregate');
    const byAttr = fieldsByAttribute(this.#model);
    const field = (a: string) => {
      const f = byAttr.get(a);
      if (!f) throw new InvalidQueryError(`Unknown field '${a}' on model '${this.#model.name}'`);
      return f;
    };
    const groups = this.#state.groupBy.map(field);
    const selections = [
      ...groups.map((g) => sql`${sql.ref(`t0.${g.column}`)} as ${sql.id(g.attribute!)}`),
      ...Object.entries(spec).map(([alias, a]) => {
        const target = a.field === null ? sql`*` : sql.ref(`t0.${field(a.field).column}`);
        return sql`${sql.raw(a.fn)}(${target}) as ${sql.id(alias)}`;
      }),
    ];
    const groupSql = groups.length
      ? sql` group by ${sql.join(groups.map((g) => sql.ref(`t0.${g.column}`)))} order by ${sql.join(groups.map((g) => sql.ref(`t0.${g.column}`)))}`
      : sql``;
    const result = await runRawRead(
      this.#ctx,
      sql`select ${sql.join(selections)} from ${this.#from()} where ${this.#whereSql()}${groupSql}`,
    );
    const rows = (result.rows as Row[]).map((raw) => {
      const out: Row = {};
      for (const g of groups) out[g.attribute!] = this.#ctx.adapter.fromDb(g, raw[g.attribute!]);
      for (const [alias, a] of Object.entries(spec))
        out[alias] = this.#aggregateValue(a, a.field === null ? null : field(a.field), raw[alias]);
      return out;
    });
    return (groups.length ? rows : rows[0]) as AggregateRows<M, G, S>;
  }

  #aggregateValue(
    a: Aggregate,
    f: ReturnType<typeof fieldsByAttribute> extends Map<string, infer F> ? F | null : never,
    value: unknown,
  ): unknown {
    if (a.fn === 'count') return Number(value ?? 0);
    if (value === null || value === undefined || f === null) return null;
    if (f.kind === 'decimal') {
      if (a.fn === 'avg') return averageString(value as number | string, f.scale ?? 0);
      return formatDecimal(value as number | string, f.scale);
    }
    if (a.fn === 'sum' || a.fn === 'avg') return Number(value);
    return this.#ctx.adapter.fromDb(f, value);
  }
}

/** An average of decimals as a string with at least `scale` decimals and no trailing zeros beyond. */
function averageString(value: number | string, scale: number): string {
  const text = typeof value === 'number' ? String(Number(value.toPrecision(15))) : value;
  const [whole, fraction = ''] = text.split('.');
  const trimmed = fraction.replace(/0+$/, '').padEnd(scale, '0');
  return trimmed ? `${whole}.${trimmed}` : (whole ?? '0');
}

/** A non-negative integer for LIMIT/OFFSET, or a typed 400. */
function count(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidQueryError(`'${name}' must be a non-negative integer`);
  }
  return value;
}
