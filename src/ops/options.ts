import type { TSchema } from '@sinclair/typebox';
import type { AnyModel, Executor, HasManyField, Infer, Model, Query, UpdateInput } from '../db/index.js';
import type { Access, CollectionAction } from './access.js';
import type { Actor } from './actor.js';

/** Filter lookups a collection can expose, written `?field[lookup]=value` (`eq` is plain `?field=value`). */
export type Lookup =
  | 'eq'
  | 'ne'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'in'
  | 'notIn'
  | 'isNull'
  | 'contains'
  | 'icontains'
  | 'startsWith'
  | 'endsWith';

/** The row type of a model. */
export type Row<M extends AnyModel> = Infer<M>;

/** Attribute names of a model's rows (`title`, `authorId`, ...). */
export type FieldName<M extends AnyModel> = keyof Infer<M> & string;

/** A value computed for each object and shown like a read-only field. */
export interface ComputedField<M extends AnyModel> {
  /** JSON Schema of the value (its type in OpenAPI and in the response serializer). */
  schema: TSchema;
  /** Computes the value from the row (synchronously: it runs once per object of a page). */
  get: (row: Row<M>, actor: Actor) => unknown;
}

/** A relation a client may ask for with `include`. */
export interface IncludeOptions {
  /** The related model; needed when the relation names its target by string or is a reverse relation. */
  model?: AnyModel;
  /** Fields of the related objects shown (default: every readable field of that model). */
  fields?: readonly string[];
}

/** How lists are paginated. */
export interface PaginationOptions {
  /**
   * `page`: `page=2&pageSize=20`, with the total count; `cursor`: keyset pagination with
   * `cursor=...`, constant cost on large tables.
   */
  style: 'page' | 'cursor';
  /** Items per page when the caller does not say (default 20). */
  pageSize?: number;
  /** Largest `pageSize` a caller may ask for (default 100). */
  maxPageSize?: number;
  /**
   * With `style: 'page'`: page numbers answer while a page starts within the first
   * `maxOffset` rows (default 10,000, page 500 of 20); past them a page number is a 400, and
   * the next link of the last such page (or of any page of a list above `exactCountLimit`
   * rows) carries a cursor instead, so a deep page costs what a first one does.
   */
  maxOffset?: number;
}

/**
 * How a paginated list counts its rows: `exact` counts them all (`count(*)`, a scan of what
 * matches); `estimate` counts exactly up to `exactCountLimit` and estimates above it (the
 * PostgreSQL planner's estimate; on SQLite the limit, a lower bound), marking the envelope
 * with `countIsEstimate: true`; `none` counts nothing.
 */
export type CountMode = 'exact' | 'estimate' | 'none';

/** How `search` finds rows, served by an index the `searchIndex()` migration operation creates. */
export interface SearchOptions<M extends AnyModel> {
  /** Text fields searched (for `fulltext`, in decreasing weight: the first ranks highest). */
  fields: readonly FieldName<M>[];
  /**
   * `contains`: every word appears, case-insensitively, inside one of the fields (a
   * `pg_trgm` GIN index on PostgreSQL, an FTS5 trigram table on SQLite); `fulltext`: words
   * match by stem and results come by relevance unless an `ordering` is asked for (a
   * weighted `tsvector` GIN index on PostgreSQL, an FTS5 table on SQLite).
   */
  mode: 'contains' | 'fulltext';
  /** PostgreSQL text search configuration of `fulltext` (default `'english'`). */
  language?: string;
}

/** Who may read or write one field, decided per actor. */
export type FieldRule = (actor: Actor) => boolean;

/**
 * What the caller of an operation hands its hooks besides the actor: through REST, the
 * request context (`basalt/rest` types it as `RequestContext`: `context.jobs`,
 * `context.storage`, `context.log`); what `operations(db, { context })` was given otherwise.
 */
// biome-ignore lint/suspicious/noEmptyInterface: merged by transports (basalt/rest) with their context type
export interface OperationContext {}

/** What every operation hook receives: who acts, the transaction of the write, the caller's context. */
export interface HookArgs {
  /** Who performs the write (`system` for writes made for no one). */
  actor: Actor;
  /** The transaction the write runs in: writes made with it commit or roll back with it. */
  db: Executor;
  /** The caller's context (the request, through REST); absent when the caller gave none. */
  context: OperationContext | undefined;
}

/** The data of one child of a nested write: its fields (an `id` names an existing child on update). */
export type ChildData<X> =
  X extends HasManyField<infer T>
    ? T extends AnyModel
      ? UpdateInput<T> & { id?: unknown }
      : Record<string, unknown>
    : never;

/** The children a nested write carries, by relation (`lines: [{ book: 3, quantity: 2 }]`). */
export type NestedData<M extends AnyModel> =
  M extends Model<string, infer F>
    ? { [K in keyof F as F[K] extends HasManyField ? K : never]?: ChildData<F[K]>[] }
    : never;

/**
 * The fields a write will store, typed from the model: what the caller gave (already
 * validated), which a `before*` hook may change or add to (e.g. set the owner), with the
 * children of a nested write under their relation's name.
 */
export type WriteData<M extends AnyModel> = Flat<UpdateInput<M> & NestedData<M>>;

type Flat<T> = { [K in keyof T]: T[K] } & {};

/** A has-many relation written with its parent, in the parent's transaction (see {@link CollectionOptions.nested}). */
export interface NestedOptions {
  /** The child model; needed when the relation names its target by string (`f.hasMany('orderLine', …)`). */
  model?: AnyModel;
  /** Fields of a child a caller may set (default: every writable field of the child but the key to the parent). */
  fields?: readonly string[];
  /** Fewest children a create must carry (default 0). */
  min?: number;
  /** Most children a write may carry (default 100). */
  max?: number;
}

/**
 * Application logic around the writes of a collection; each runs inside the write's
 * transaction, after the policy allowed the write, and receives the actor.
 */
export interface OperationHooks<M extends AnyModel> {
  /** Before the insert; may change `data` (e.g. set the owner). Throwing aborts the write. */
  beforeCreate?(args: HookArgs & { data: WriteData<M> }): void | Promise<void>;
  afterCreate?(args: HookArgs & { object: Row<M> }): void | Promise<void>;
  /** Before an update; `object` is the row as it is, `data` what will be written. */
  beforeUpdate?(args: HookArgs & { object: Row<M>; data: WriteData<M> }): void | Promise<void>;
  afterUpdate?(args: HookArgs & { object: Row<M>; previous: Row<M> }): void | Promise<void>;
  beforeDelete?(args: HookArgs & { object: Row<M> }): void | Promise<void>;
  afterDelete?(args: HookArgs & { object: Row<M> }): void | Promise<void>;
}

/** What an object-level check receives. */
export interface ObjectCheckArgs<M extends AnyModel> {
  action: CollectionAction | string;
  object: Row<M>;
  actor: Actor;
  /** The executor the object was loaded with (the write's transaction on update and delete): query with it. */
  db: Executor;
}

/**
 * A model's collection, declared once: which fields it shows and accepts, how lists are
 * filtered, searched, ordered, included and paginated, and its policy (who may do what,
 * which rows and fields they see). REST reads it; so will the admin and GraphQL.
 */
export interface CollectionOptions<M extends AnyModel> {
  /** Fields shown (default: every readable field of the model; `id` is always shown). */
  fields?: readonly FieldName<M>[];
  /** Fields never shown nor accepted. */
  exclude?: readonly FieldName<M>[];
  /** Fields shown but never accepted (in addition to the model's read-only and automatic fields). */
  readOnly?: readonly FieldName<M>[];
  /** Fields accepted but never shown (in addition to the model's write-only fields). */
  writeOnly?: readonly FieldName<M>[];
  /** Fields accepted in writes (default: every writable field of the model that is not read-only or excluded). */
  writable?: readonly string[];
  /** Values computed per object, shown as read-only fields. */
  computed?: Readonly<Record<string, ComputedField<M>>>;
  /** Relations a caller may include (`include: 'author,tags'`); dotted paths (`reviews.customer`) nest. */
  include?: Readonly<Record<string, IncludeOptions>> | readonly string[];
  /** Filterable fields and their lookups (`true`: the usual lookups for the field's type). */
  filters?: Readonly<Record<string, readonly Lookup[] | true>> | readonly FieldName<M>[];
  /**
   * Text fields `search` looks in (case-insensitive; every word must match one of them): a
   * list scans with `LIKE`; `{ fields, mode }` is served by an index (see {@link SearchOptions}).
   */
  search?: readonly FieldName<M>[] | SearchOptions<M>;
  /** Fields a caller may order by with `ordering: '-price,title'`. */
  ordering?: readonly string[];
  /** Order of lists when the caller gives none (default: the model's ordering, else `id`). */
  defaultOrdering?: readonly string[];
  /** Pagination of the list (default: page numbers, 20 per page, at most 100); `false` for none. */
  pagination?: PaginationOptions | false;
  /** How page-number lists count their rows (default `'estimate'`; see {@link CountMode}). */
  count?: CountMode;
  /** Below this many matching rows an estimated count is exact (default 10,000). */
  exactCountLimit?: number;
  /** Accept `fields: 'title,price'` (sparse fieldsets); default true. */
  sparseFields?: boolean;
  /**
   * Who may perform each action. `read` sets list and retrieve, `write` the others; the
   * default is `{ read: 'anyone', write: 'staff' }`.
   */
  permissions?: Partial<Record<CollectionAction | 'read' | 'write', Access>>;
  /**
   * Object-level permission. An object the actor may not `retrieve` is a 404 for every
   * action (its existence does not leak); one it may see but not change or delete is a 403.
   */
  check?: (args: ObjectCheckArgs<M>) => boolean | Promise<boolean>;
  /**
   * Narrows what the actor may see at all (list, retrieve, update, delete): outside it is a
   * 404. May be async, e.g. to ask `await actor.hasPermission('view_order')`.
   */
  scope?: (query: Query<M>, actor: Actor) => Query<M> | Promise<Query<M>>;
  /** Field-level permissions: who sees (`read`) and who may set (`write`) a field. */
  fieldAccess?: Readonly<Record<string, { read?: FieldRule; write?: FieldRule }>>;
  /**
   * Has-many relations written with the parent (DRF's writable nested serializers): a
   * create carries its children (`lines: [{ book: 3, quantity: 2 }]`), written in the
   * parent's transaction with the key to the parent set; an update that carries the
   * relation replaces the set (a child with `id` is changed, one without is added, one left
   * out is deleted). A bad child writes nothing, and its errors point into it (`/lines/2/quantity`).
   */
  nested?: Readonly<Record<string, NestedOptions>>;
  /** Logic around writes, inside their transaction, with the actor. */
  hooks?: OperationHooks<M>;
  /**
   * Records every create, update and delete in the audit log (actor, time, changed fields),
   * inside the write's transaction; `{ exclude }` leaves fields out. Default: the app's
   * (`audit({ default: true })`), else off. Passwords, tokens and write-only fields are never
   * recorded with their values. See docs/operations.md.
   */
  audit?: boolean | { exclude?: readonly FieldName<M>[] };
}
