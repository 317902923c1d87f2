import type { Kysely } from 'kysely';
import type { AnyDB } from './context.js';
import type { CreateInput, Infer, PrimaryKeyOf, UpdateInput } from './infer.js';
import type { AnyModel } from './model.js';
import type { Query } from './query/query.js';
import type { Where } from './query/types.js';

/** Options of {@link Executor.upsert}. */
export interface UpsertOptions<M> {
  /** Fields of the unique constraint that decides "already exists". */
  conflict: readonly (keyof Infer<M> & string)[];
  /** Fields to overwrite on conflict; defaults to every given field. */
  update?: readonly (keyof Infer<M> & string)[];
}

/** Options of {@link Executor.transaction}; they apply to the outermost transaction only. */
export interface TransactionOptions {
  /**
   * A read-only transaction: PostgreSQL `START TRANSACTION READ ONLY`; on SQLite a deferred
   * transaction (no write lock taken up front, so it never waits for writers) with
   * `query_only` set. Writes and row locks (`forUpdate`/`forShare`) fail inside it.
   */
  readOnly?: boolean;
}

/** Options of {@link Executor.bulkUpdate}. */
export interface BulkUpdateOptions {
  /** Rows per statement (default: as many as fit in 30,000 bound parameters). */
  batchSize?: number;
}

/**
 * The API shared by a database and a transaction: typed queries and model operations
 * (validation, defaults, hooks, typed constraint errors). `TModels` is the union of the
 * models the database knows, used to type relations declared by name.
 */
export interface Executor<TModels = never> {
  /** `'sqlite'` or `'postgres'`. */
  readonly dialect: 'sqlite' | 'postgres';
  /** The Kysely instance (or transaction) underneath: the escape hatch. */
  readonly kysely: Kysely<AnyDB>;
  /** Whether this executor is a transaction. */
  readonly inTransaction: boolean;
  /** Starts a typed query. */
  query<M extends AnyModel>(model: M): Query<M, Infer<M>, TModels>;
  /** Fetches a row by primary key or filter; throws `RecordNotFoundError` (404). */
  get<M extends AnyModel>(model: M, idOrWhere: PrimaryKeyOf<M> | Where<M, TModels>): Promise<Infer<M>>;
  /** Validates and inserts a row; runs beforeSave/afterSave. */
  create<M extends AnyModel>(model: M, data: CreateInput<M>): Promise<Infer<M>>;
  /** Validates and inserts several rows (one statement when the model has no hooks). */
  createMany<M extends AnyModel>(model: M, data: readonly CreateInput<M>[]): Promise<Infer<M>[]>;
  /** Validates and updates one row by primary key; throws NotFound when missing. */
  update<M extends AnyModel>(model: M, id: PrimaryKeyOf<M>, data: UpdateInput<M>): Promise<Infer<M>>;
  /** Updates every matching row in one statement (no hooks); returns how many. */
  updateMany<M extends AnyModel>(model: M, where: Where<M, TModels>, data: UpdateInput<M>): Promise<number>;
  /** Deletes one row by primary key; throws NotFound when missing, `DeleteProtectedError` when referenced. */
  delete<M extends AnyModel>(model: M, id: PrimaryKeyOf<M>): Promise<void>;
  /** Deletes every matching row in one statement (no hooks); returns how many. */
  deleteMany<M extends AnyModel>(model: M, where: Where<M, TModels>): Promise<number>;
  /** Inserts, or updates the row that has the same `conflict` values. */
  upsert<M extends AnyModel>(model: M, data: CreateInput<M>, options: UpsertOptions<M>): Promise<Infer<M>>;
  /**
   * Writes different values to several rows by primary key in one statement per batch
   * (Django's `bulk_update`): each row gives `id` and every field in `fields`; values are
   * validated and converted as by `update`. No hooks run. Returns how many rows were
   * updated (keys that match no row are not counted). Several batches run in one transaction.
   *
   * @example
   * await db.bulkUpdate(World, worlds, ['randomNumber']);
   */
  bulkUpdate<M extends AnyModel, K extends keyof UpdateInput<M> & string>(
    model: M,
    rows: readonly BulkUpdateRow<M, K>[],
    fields: readonly K[],
    options?: BulkUpdateOptions,
  ): Promise<number>;
  /**
   * Runs `fn` in a transaction; inside one, in a savepoint. Throwing rolls back and
   * re-throws. On SQLite, transactions are serialised on the single connection, and a
   * read-write one takes the write lock up front (`BEGIN IMMEDIATE`), waiting for other
   * processes up to the busy timeout; a lock not obtained in time is a `LockTimeoutError` (503).
   */
  transaction<T>(fn: (tx: Transaction<TModels>) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `fn` after the outermost transaction commits (never if it rolls back);
   * outside a transaction, runs it now.
   */
  afterCommit(fn: () => unknown): Promise<void>;
  /**
   * Runs `fn` if the current transaction (or savepoint) rolls back, after the rollback;
   * outside a transaction, never. A failing callback does not hide the transaction's error.
   */
  afterRollback(fn: () => unknown): Promise<void>;
}

/** A row given to {@link Executor.bulkUpdate}: its primary key and the fields written (extra properties are ignored). */
export type BulkUpdateRow<M extends AnyModel, K extends keyof UpdateInput<M>> = { id: PrimaryKeyOf<M> } & {
  [P in K]-?: Exclude<UpdateInput<M>[P], undefined>;
};

/** A transaction: the same API as the database. */
export type Transaction<TModels = never> = Executor<TModels>;
