import type { TObject } from '@sinclair/typebox';
import type { Executor } from './executor.js';
import type { FieldsShape } from './fields/field.js';
import type { ModelMeta } from './meta.js';

/** Primary key kinds: auto-increment integer (default) or UUID generated in JS. */
export type PrimaryKeyType = 'integer' | 'uuid';

/** What a lifecycle hook receives; `R` is the model's row type (see `HookRecord`). */
export interface HookContext<R = Record<string, unknown>> {
  /** The database or transaction the operation runs in; use it for related writes. */
  db: Executor;
  operation: 'create' | 'update' | 'upsert' | 'delete';
  /** The row being written (mutable in `beforeSave`) or deleted. */
  record: R;
  /** On update: the row as it was before. */
  previous?: R;
  /**
   * Who the write is made for, when it goes through the operation layer (`basalt/ops`
   * types it as its `Actor`; the `system` actor for system writes); `undefined` for a write
   * made directly on the database.
   */
  actor?: HookActor;
}

/**
 * The actor a model hook receives. Empty here: the operation layer (`basalt/ops`), which
 * makes actors, merges its `Actor` into it.
 */
// biome-ignore lint/suspicious/noEmptyInterface: merged by basalt/ops with its Actor
export interface HookActor {}

/** A lifecycle hook. */
export type ModelHook<R = Record<string, unknown>> = (context: HookContext<R>) => void | Promise<void>;

/**
 * Hooks run by model operations (not by `updateMany`/`deleteMany`, which work in SQL).
 * Declared as methods so hooks typed with a model's row fit the untyped slot.
 */
export interface ModelHooks<R = Record<string, unknown>> {
  beforeSave?(context: HookContext<R>): void | Promise<void>;
  afterSave?(context: HookContext<R>): void | Promise<void>;
  beforeDelete?(context: HookContext<R>): void | Promise<void>;
  afterDelete?(context: HookContext<R>): void | Promise<void>;
}

type FieldName<F> = Extract<keyof F, string> | 'id' | 'createdAt' | 'updatedAt';

/** An index declaration: field names, or an object with a name and uniqueness. */
export type IndexOption<F> =
  | readonly FieldName<F>[]
  | {
      fields: readonly FieldName<F>[];
      name?: string;
      unique?: boolean;
      /**
       * A partial index: only rows matching this SQL expression over columns are indexed
       * (`"state = 'queued'"`); PostgreSQL and SQLite both support them.
       */
      where?: string;
    };

/** Options of {@link defineModel}. */
export interface ModelOptions<F = FieldsShape> {
  /** Table name; defaults to the model name in snake_case. */
  table?: string;
  label?: string;
  pluralLabel?: string;
  primaryKey?: PrimaryKeyType;
  /** Default ordering, e.g. `['-publishedOn', 'title']`. */
  ordering?: readonly (FieldName<F> | `-${FieldName<F>}`)[];
  indexes?: readonly IndexOption<F>[];
  /** Unique-together constraints: `[['author', 'title']]`. */
  unique?: readonly (readonly FieldName<F>[])[];
  /** Named check constraints as SQL expressions over columns: `{ price_positive: 'price >= 0' }`. */
  checks?: Readonly<Record<string, string>>;
  /**
   * The search index of the model (one at most), which `makemigrations` writes as
   * `searchIndex(...)` and `db.createTables()` creates: `contains` (trigrams) or `fulltext`
   * (stems, weighted by field order). A collection's `search: { fields, mode }` is served by it.
   */
  search?: { fields: readonly FieldName<F>[]; mode: 'contains' | 'fulltext'; language?: string };
  /** Adds `createdAt` and `updatedAt`, maintained by model operations. */
  timestamps?: boolean;
  hooks?: ModelHooks;
  /**
   * Custom permissions by codename (`{ publish_book: 'Can publish books' }`), created by
   * `basalt/auth` next to the automatic view/add/change/delete ones. Not part of the schema.
   */
  permissions?: Readonly<Record<string, string>>;
}

/** Read, create and update JSON Schemas (TypeBox) derived from a model. */
export interface ModelSchemas {
  read: TObject;
  create: TObject;
  update: TObject;
}

/** Phantom type information of a model (never present at run time). */
export interface ModelTypes<TPk extends PrimaryKeyType, TTimestamps extends boolean> {
  pk: TPk;
  timestamps: TTimestamps;
}

/** A model declared with {@link defineModel}. */
export interface Model<
  TName extends string = string,
  TFields extends FieldsShape = FieldsShape,
  TPk extends PrimaryKeyType = PrimaryKeyType,
  TTimestamps extends boolean = boolean,
> {
  readonly name: TName;
  readonly fields: TFields;
  readonly options: ModelOptions;
  /** Plain metadata (computed on first access, relations resolved then). */
  readonly meta: ModelMeta;
  readonly schemas: ModelSchemas;
  readonly hooks: ModelHooks;
  readonly '~types'?: ModelTypes<TPk, TTimestamps>;
}

/** Any model. */
export type AnyModel = Model;
