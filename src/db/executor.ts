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
   * Runs `fn` in a transaction; inside one, in a savepoint. Throwing rolls back and
   * re-throws. On SQLite, transactions are serialised on the single connection.
   */
  transaction<T>(fn: (tx: Transaction<TModels>) => Promise<T>): Promise<T>;
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

/** A transaction: the same API as the database. */
export type Transaction<TModels = never> = Executor<TModels>;
