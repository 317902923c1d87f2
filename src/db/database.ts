import { Kysely, type LogEvent, sql } from 'kysely';
import type { AnyDB, DbContext } from './context.js';
import {
  createTableStatements,
  dropTableStatements,
  joinTableStatements,
  sortByDependency,
} from './dialects/ddl.js';
import type { DialectAdapter, DirectPath } from './dialects/dialect.js';
import { postgresAdapter } from './dialects/postgres.js';
import { sqliteAdapter } from './dialects/sqlite.js';
import { DbError } from './errors.js';
import type {
  BulkUpdateOptions,
  BulkUpdateRow,
  Executor,
  Transaction,
  TransactionOptions,
  UpsertOptions,
} from './executor.js';
import type { CreateInput, Infer, PrimaryKeyOf, UpdateInput } from './infer.js';
import type { AnyModel } from './model.js';
import { bulkUpdate } from './operations/bulk-update.js';
import { deleteMany, deleteOne } from './operations/delete.js';
import type { OperationHost } from './operations/host.js';
import { validateInput } from './operations/validate.js';
import { createMany, createOne, updateMany, updateOne, upsert } from './operations/write.js';
import { Query } from './query/query.js';
import type { Where } from './query/types.js';
import { ModelRegistry } from './registry.js';
import { type ReadSession, ReplicaSet } from './replicas.js';
import {
  hookedDialect,
  type StatementHooks,
  type StatementWrapper,
  statementHooks,
  wrapStatements,
} from './statement-hooks.js';
import { afterCommit, afterRollback, runAtomic } from './transaction.js';

/** Options of {@link createDatabase}. */
export interface DatabaseOptions<TModels extends readonly AnyModel[]> {
  /** `sqlite:./data/app.db`, `sqlite::memory:` or `postgres://user@host:5432/db`. */
  url: string;
  /** Every model of the application (relation targets given by name are looked up here). */
  models: TModels;
  /** Called for every query (and query error) with SQL, parameters and duration. */
  log?: (event: LogEvent) => void;
  /** PostgreSQL: schema search path for every pooled connection. */
  searchPath?: string;
  /** PostgreSQL: maximum pool size (default 10). */
  poolSize?: number;
  /**
   * PostgreSQL: how many distinct statements run as named prepared statements, parsed and
   * planned once per connection (default 500, or the URL's `statement_cache_size`); 0 turns
   * them off, e.g. behind PgBouncer in transaction mode before 1.21.
   */
  statementCacheSize?: number;
  /**
   * PostgreSQL: how long opening a connection, or waiting for a free one in the pool, may
   * take before the query fails (ms, default 5000; apps take it from SERVICE_TIMEOUT). A
   * request then answers 503 instead of waiting on a server that is down.
   */
  connectTimeoutMs?: number;
  /**
   * SQLite: make a query on `db` inside a transaction (which holds the single connection)
   * fail with `BASALT_DB_CONNECTION_HELD` instead of waiting forever. It tracks transactions
   * with an AsyncLocalStorage, which on Node 20 taxes every promise of the process once
   * used, so it defaults to on outside production only (`NODE_ENV !== 'production'`).
   */
  transactionGuard?: boolean;
  /** PostgreSQL: how long an idle pooled connection is kept (ms; pg's default 10,000; 0 keeps it). */
  idleTimeoutMs?: number;
  /** PostgreSQL: the server cancels a statement running longer than this (ms; 0 or unset: no limit). */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL: read replicas (streaming standbys of `url`). Reads outside a transaction go
   * to them round-robin, except after a write of the same unit of work (see
   * {@link withReadSession}); a replica that fails is left out and the read runs on the primary.
   */
  replicaUrls?: readonly string[];
}

/** A live database: the {@link Executor} API plus lifecycle and schema helpers. */
export interface Database<TModels = never> extends Executor<TModels> {
  /** Models known to this database. */
  readonly registry: ModelRegistry;
  /** Creates the tables (and join tables and indexes) of every model; for tests until migrations run. */
  createTables(options?: { ifNotExists?: boolean }): Promise<void>;
  /** Drops the tables of every model. */
  dropTables(): Promise<void>;
  /** Closes the connection or pool. */
  close(): Promise<void>;
}

function adapterFor(url: string): DialectAdapter {
  if (url.startsWith('sqlite:')) return sqliteAdapter;
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return postgresAdapter;
  throw new DbError(
    'BASALT_DB_UNSUPPORTED_URL',
    `Unsupported database URL '${url.split(':')[0]}:…': use sqlite:… or postgres://…`,
  );
}

class ExecutorImpl implements Executor<never> {
  readonly #ctx: DbContext;
  readonly #host: OperationHost;

  constructor(ctx: DbContext) {
    this.#ctx = ctx;
    const host: OperationHost = {
      ctx,
      executor: this,
      atomic: (fn) => runAtomic(ctx, (inner) => fn(new ExecutorImpl(inner).#host)),
    };
    this.#host = host;
  }

  get dialect() {
    return this.#ctx.adapter.name;
  }

  get kysely() {
    return this.#ctx.kysely;
  }

  get inTransaction() {
    return this.#ctx.scope !== null;
  }

  /**
   * A write of a unit of work that has a read session: its reads go to the primary from now
   * on, and once the write is done the session learns the primary's WAL position (the
   * cookie that keeps the client's next requests off replicas that have not replayed it).
   */
  #noting<T>(write: () => Promise<T>): Promise<T> {
    const ctx = this.#ctx;
    const session = ctx.session;
    if (session === undefined || ctx.scope !== null) return write();
    session.pinned = true;
    return write().then(async (value) => {
      if (session.wrote && ctx.replicas) session.wrote(await ctx.replicas.primaryLsn(ctx));
      return value;
    });
  }

  protected get context(): DbContext {
    return this.#ctx;
  }

  /** An executor over the same connection or transaction whose writes are made for `actor`. */
  static actingFor(executor: Executor, actor: unknown): Executor {
    // An executor of another making (a wrapper, a proxy) is used as it is, without the actor.
    if (!(#ctx in executor) || executor.#ctx.actor === actor) return executor;
    return new ExecutorImpl({ ...executor.#ctx, actor });
  }

  /** The registry a database shares with its transactions (see {@link databaseKeyOf}). */
  static keyOf(executor: Executor): object | undefined {
    return #ctx in executor ? executor.#ctx.registry : undefined;
  }

  /** What runs around the database's statements (see {@link traceStatements}). */
  static statementsOf(executor: Executor): StatementHooks | undefined {
    return #ctx in executor ? executor.#ctx.statements : undefined;
  }

  /** The primary's pool (PostgreSQL without a query log), for metrics. */
  static poolOf(executor: Executor): DirectPath | undefined {
    return #ctx in executor ? executor.#ctx.pool : undefined;
  }

  /** The same database with reads routed by `session` (see {@link withReadSession}). */
  static withSession(executor: Executor, session: ReadSession): Executor {
    if (!(#ctx in executor) || executor.#ctx.replicas === undefined) return executor;
    return new ExecutorImpl({ ...executor.#ctx, session });
  }

  /** Validates a write as the model's operations do, without writing (see {@link validateWrite}). */
  static validate(executor: Executor, model: AnyModel, data: Record<string, unknown>, partial: boolean) {
    const ctx = #ctx in executor ? executor.#ctx : null;
    if (ctx === null) throw new TypeError('Not an executor of createDatabase()');
    return validateInput(ctx, model, data, partial).values;
  }

  query<M extends AnyModel>(model: M): Query<M, Infer<M>, never> {
    return new Query(this.#ctx, this.#ctx.registry.ensure(model) as M);
  }

  get<M extends AnyModel>(model: M, idOrWhere: PrimaryKeyOf<M> | Where<M, never>): Promise<Infer<M>> {
    return this.query(model).get(idOrWhere);
  }

  async create<M extends AnyModel>(model: M, data: CreateInput<M>): Promise<Infer<M>> {
    if (this.#ctx.session) return this.#noting(() => this.#createOne(model, data));
    return this.#createOne(model, data);
  }

  async #createOne<M extends AnyModel>(model: M, data: CreateInput<M>): Promise<Infer<M>> {
    return (await createOne(this.#host, model, data as Record<string, unknown>)) as Infer<M>;
  }

  async createMany<M extends AnyModel>(model: M, data: readonly CreateInput<M>[]): Promise<Infer<M>[]> {
    return this.#noting(
      async () =>
        (await createMany(this.#host, model, data as unknown as Record<string, unknown>[])) as Infer<M>[],
    );
  }

  update<M extends AnyModel>(model: M, id: PrimaryKeyOf<M>, data: UpdateInput<M>): Promise<Infer<M>> {
    if (this.#ctx.session)
      return this.#noting(
        () => updateOne(this.#host, model, id, data as Record<string, unknown>) as Promise<Infer<M>>,
      );
    return updateOne(this.#host, model, id, data as Record<string, unknown>) as Promise<Infer<M>>;
  }

  updateMany<M extends AnyModel>(model: M, where: Where<M, never>, data: UpdateInput<M>): Promise<number> {
    return this.#noting(() => updateMany(this.#host, model, where, data as Record<string, unknown>));
  }

  delete<M extends AnyModel>(model: M, id: PrimaryKeyOf<M>): Promise<void> {
    return this.#noting(() => deleteOne(this.#host, model, id));
  }

  deleteMany<M extends AnyModel>(model: M, where: Where<M, never>): Promise<number> {
    return this.#noting(() => deleteMany(this.#host, model, where));
  }

  async upsert<M extends AnyModel>(
    model: M,
    data: CreateInput<M>,
    options: UpsertOptions<M>,
  ): Promise<Infer<M>> {
    return this.#noting(
      async () =>
        (await upsert(
          this.#host,
          model,
          data as Record<string, unknown>,
          options.conflict,
          options.update,
        )) as Infer<M>,
    );
  }

  bulkUpdate<M extends AnyModel, K extends keyof UpdateInput<M> & string>(
    model: M,
    rows: readonly BulkUpdateRow<M, K>[],
    fields: readonly K[],
    options?: BulkUpdateOptions,
  ): Promise<number> {
    return this.#noting(() =>
      bulkUpdate(this.#host, model, rows as unknown as readonly Record<string, unknown>[], fields, options),
    );
  }

  transaction<T>(fn: (tx: Transaction<never>) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const run = () => runAtomic(this.#ctx, (inner) => fn(new ExecutorImpl(inner)), options);
    // A read-only transaction writes nothing the session must read back.
    return this.#ctx.session && !options?.readOnly ? this.#noting(run) : run();
  }

  afterCommit(fn: () => unknown): Promise<void> {
    return afterCommit(this.#ctx, fn);
  }

  afterRollback(fn: () => unknown): Promise<void> {
    return afterRollback(this.#ctx, fn);
  }
}

class DatabaseImpl extends ExecutorImpl implements Database<never> {
  get registry(): ModelRegistry {
    return this.context.registry;
  }

  async createTables(options: { ifNotExists?: boolean } = {}): Promise<void> {
    const { adapter, registry } = this.context;
    const models = sortByDependency(registry.all(), registry);
    const statements = [
      ...models.flatMap((m) => createTableStatements(adapter, m, registry)),
      ...models.flatMap((m) => joinTableStatements(adapter, m, registry)),
    ];
    await runAtomic(this.context, async (ctx) => {
      for (const statement of statements) {
        const text = options.ifNotExists
          ? statement
              .replace(/^create table /, 'create table if not exists ')
              .replace(/^create (unique )?index /, 'create $1index if not exists ')
          : statement;
        await sql.raw(text).execute(ctx.kysely);
      }
    });
  }

  async dropTables(): Promise<void> {
    const { adapter, registry } = this.context;
    const models = sortByDependency(registry.all(), registry).reverse();
    await runAtomic(this.context, async (ctx) => {
      for (const statement of models.flatMap((m) => dropTableStatements(adapter, m)))
        await sql.raw(statement).execute(ctx.kysely);
    });
  }

  close(): Promise<void> {
    return this.context.close ? this.context.close() : this.context.kysely.destroy();
  }
}

/**
 * Opens a database from a URL: SQLite (better-sqlite3; WAL, foreign keys, busy timeout)
 * or PostgreSQL (a pg Pool; `pg` is imported only then). Drivers load on first query.
 *
 * @example
 * const db = createDatabase({ url: process.env.DATABASE_URL ?? 'sqlite:./data/app.db', models: [Author, Book] });
 */
export function createDatabase<const TModels extends readonly AnyModel[]>(
  options: DatabaseOptions<TModels>,
): Database<TModels[number]> {
  const adapter = adapterFor(options.url);
  const guard =
    adapter.name === 'sqlite' && (options.transactionGuard ?? process.env.NODE_ENV !== 'production');
  const key = guard ? {} : undefined;
  const dialect = adapter.createDialect({
    url: options.url,
    ...(key ? { connectionKey: key } : {}),
    ...(options.searchPath === undefined ? {} : { searchPath: options.searchPath }),
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    ...(options.statementCacheSize === undefined ? {} : { statementCacheSize: options.statementCacheSize }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
  });
  const registry = new ModelRegistry(options.models);
  const hooks = statementHooks();
  const primary = contextOf(adapter, registry, dialect, options.log, key, hooks);
  const replicaUrls = options.replicaUrls ?? [];
  if (replicaUrls.length > 0) {
    if (adapter.name !== 'postgres')
      throw new DbError('BASALT_DB_UNSUPPORTED_URL', 'Read replicas need PostgreSQL: DATABASE_URL is SQLite');
    const replicas = new ReplicaSet(
      replicaUrls.map((url) => {
        if (adapterFor(url) !== adapter)
          throw new DbError(
            'BASALT_DB_UNSUPPORTED_URL',
            `A replica URL must be postgres://…, got '${url.split(':')[0]}:…'`,
          );
        const replicaDialect = adapter.createDialect({
          url,
          ...(options.searchPath === undefined ? {} : { searchPath: options.searchPath }),
          ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
          ...(options.statementCacheSize === undefined
            ? {}
            : { statementCacheSize: options.statementCacheSize }),
          ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
          ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
          ...(options.statementTimeoutMs === undefined
            ? {}
            : { statementTimeoutMs: options.statementTimeoutMs }),
        });
        return contextOf(adapter, registry, replicaDialect, options.log, undefined, hooks);
      }),
    );
    const closePrimary = primary.close!;
    primary.replicas = replicas;
    primary.close = () => Promise.all([closePrimary(), replicas.close()]).then(() => undefined);
  }
  return new DatabaseImpl(primary) as unknown as Database<TModels[number]>;
}

/** The context of one server: Kysely over its dialect, and the direct path unless queries are logged. */
function contextOf(
  adapter: DialectAdapter,
  registry: ModelRegistry,
  dialect: ReturnType<DialectAdapter['createDialect']>,
  log: DatabaseOptions<readonly AnyModel[]>['log'],
  key: object | undefined,
  hooks: StatementHooks,
): DbContext {
  const kysely = new Kysely<AnyDB>({ dialect: hookedDialect(dialect, hooks), ...(log ? { log } : {}) });
  // The direct path skips Kysely, so its query log too: with a log, everything goes through Kysely.
  const direct = log ? undefined : adapter.directQuery?.(dialect);
  direct?.useHooks?.(hooks);
  const close = direct ? () => kysely.destroy().then(() => direct.close()) : () => kysely.destroy();
  return {
    ...(key ? { key } : {}),
    ...(direct ? { direct: direct.query, pool: direct } : {}),
    statements: hooks,
    close,
    adapter,
    registry,
    kysely,
    scope: null,
  };
}

/** The pool of a database's primary (PostgreSQL, no query log): its figures and statement timing. */
export function databasePool(executor: Executor): DirectPath | undefined {
  return ExecutorImpl.poolOf(executor);
}

/**
 * Runs every statement of the database (its replicas and transactions included) through
 * `wrap`, or as they are again with undefined: how tracing makes a span per statement.
 */
export function traceStatements(executor: Executor, wrap: StatementWrapper | undefined): void {
  const hooks = ExecutorImpl.statementsOf(executor);
  if (hooks) wrapStatements(hooks, wrap);
}

/**
 * The same database, its reads routed by `session`: to the primary once the session wrote
 * (or inside a transaction), else to a replica that has replayed `session.minLsn`. Apps get
 * one per request; `session.wrote` receives the primary's WAL position after each write
 * (the app keeps it in a cookie, so the client's next requests read their own writes).
 * Without replicas it answers `executor` itself.
 */
export function withReadSession<E extends Executor>(executor: E, session: ReadSession): E {
  return ExecutorImpl.withSession(executor, session) as E;
}

/**
 * The same database or transaction, with its writes made for `actor`: model hooks receive it
 * (`HookContext.actor`). The operation layer binds its actor this way.
 */
export function actingFor<E extends Executor>(executor: E, actor: unknown): E {
  return ExecutorImpl.actingFor(executor, actor) as E;
}

/**
 * An object standing for the database an executor works on, the same for the database and
 * every transaction or actor-bound executor over it: a key for per-database state (the
 * operation layer's model events). Undefined for an executor of another making.
 */
export function databaseKeyOf(executor: Executor): object | undefined {
  return ExecutorImpl.keyOf(executor);
}

/**
 * Validates `data` for a write of `model` as `create` (`partial`: as `update`) would, and
 * answers the normalised values without writing; throws the same `ValidationError`.
 */
export function validateWrite(
  executor: Executor,
  model: AnyModel,
  data: Record<string, unknown>,
  partial = false,
): Record<string, unknown> {
  return ExecutorImpl.validate(executor, model, data, partial);
}
