// Type-level mirror of what resource() builds at run time (plan.ts, schemas.ts,
// query-params.ts): the same options decide the same shapes, so the endpoints a resource
// returns carry the types of their schemas.
import type { Static, TNull, TSchema, TUnsafe } from '@sinclair/typebox';
import type { AnyModel, CreateInput, FieldsOf, Infer, PrimaryKeyOf } from '../db/index.js';
import type { Endpoint, HttpMethod } from '../http/index.js';
import type { Lookup, ResourceAction } from './options.js';
import type { ActionSpec } from './resource.js';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** `O[K]` when the options object declares it, else `D`. */
type Opt<O, K extends string, D = undefined> = O extends { readonly [P in K]: infer V }
  ? undefined extends V
    ? D
    : V
  : D;

type Attr<M> = keyof Infer<M> & string;

/** A field name as options write it (`author` or `authorId`) → the row attribute (`authorId`). */
type AttrOf<M, N> = N extends Attr<M> ? N : N extends string ? Extract<`${N}Id`, Attr<M>> : never;

type NamesIn<M, L> = L extends readonly (infer N)[] ? AttrOf<M, N> : never;

type Tails<E, P extends string> = { [K in keyof E as K extends `${P}.${infer Rest}` ? Rest : never]: E[K] };
type Heads<E> = { [K in keyof E]: K extends `${string}.${string}` ? never : K }[keyof E] & string;

// ---- what a resource shows -------------------------------------------------------------

type Sparse<O> = Opt<O, 'sparseFields', true> extends false ? false : true;
type ReadRuled<O> = {
  [K in keyof Opt<O, 'fieldAccess', {}>]: Opt<O, 'fieldAccess', {}>[K] extends { read: unknown } ? K : never;
}[keyof Opt<O, 'fieldAccess', {}>];

type Shown<M, O> = Exclude<
  Opt<O, 'fields'> extends readonly unknown[] ? NamesIn<M, Opt<O, 'fields'>> : Attr<M>,
  NamesIn<M, Opt<O, 'exclude'>> | NamesIn<M, Opt<O, 'writeOnly'>> | 'id'
>;

/**
 * Fields optional in the type: those with read rules (hidden from some users). With sparse
 * fieldsets the schema makes every field optional, but a request without `?fields=` gets
 * them all, so the type shows them as present.
 */
type OptionalShown<M, O> = Extract<Shown<M, O>, ReadRuled<O> | AttrOf<M, ReadRuled<O>>>;

type Computed<O> = Opt<O, 'computed', {}>;
type ComputedRow<O> = { [K in Exclude<keyof Computed<O>, ReadRuled<O>>]: ComputedValue<Computed<O>[K]> } & {
  [K in Extract<keyof Computed<O>, ReadRuled<O>>]?: ComputedValue<Computed<O>[K]>;
};
type ComputedValue<C> = C extends { schema: infer S extends TSchema } ? Static<S> : unknown;

/** Includes as `{ path: options }`, whichever form the resource declared them in. */
type IncludeEntries<O> =
  Opt<O, 'include', {}> extends infer I
    ? I extends readonly string[]
      ? { [K in I[number]]: {} }
      : I
    : never;

type FieldTarget<F> = F extends { readonly '~types'?: { target: infer T } } ? T : unknown;
type TargetOf<Owner, Name extends string, Opts> = Opts extends { model: infer T extends AnyModel }
  ? T
  : Name extends keyof FieldsOf<Owner>
    ? FieldTarget<FieldsOf<Owner>[Name]> extends infer T extends AnyModel
      ? T
      : unknown
    : unknown;

type IncludedObject<Target, Opts, Sub> = Simplify<
  (Target extends AnyModel
    ? Opts extends { fields: readonly unknown[] }
      ? Pick<Infer<Target>, NamesIn<Target, Opts['fields']> | Extract<'id', Attr<Target>>>
      : Infer<Target>
    : Record<string, unknown>) & {
    [C in Heads<Sub>]?: IncludedValue<Target, C, Sub[C], Tails<Sub, C>>;
  }
>;

/** An included relation: one object (`belongsTo`, `null` when optional) or a list. */
type IncludedValue<Owner, Name extends string, Opts, Sub> = Name extends keyof FieldsOf<Owner>
  ? FieldsOf<Owner>[Name] extends { kind: 'belongsTo'; readonly '~types'?: { nullable: infer N } }
    ? IncludedObject<TargetOf<Owner, Name, Opts>, Opts, Sub> | (N extends true ? null : never)
    : IncludedObject<TargetOf<Owner, Name, Opts>, Opts, Sub>[]
  : IncludedObject<TargetOf<Owner, Name, Opts>, Opts, Sub>[];

type IncludedRow<M, O> = {
  [K in Heads<IncludeEntries<O>>]?: IncludedValue<M, K, IncludeEntries<O>[K], Tails<IncludeEntries<O>, K>>;
};

/** A value as JSON carries it: dates become their ISO strings. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends readonly (infer E)[]
    ? Jsonified<E>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

/**
 * One object as a resource shows it (retrieve, create, update, and each list item), in JSON:
 * its readable and computed fields, and the relations a request may include (optional).
 * Fields with read rules are optional; so is every field but `id` when `?fields=` asks for some.
 */
export type ResourceRead<M extends AnyModel, O = {}> = Jsonified<
  Simplify<
    Pick<Infer<M>, Extract<'id', Attr<M>>> &
      Pick<Infer<M>, Exclude<Shown<M, O>, OptionalShown<M, O>>> &
      Partial<Pick<Infer<M>, OptionalShown<M, O>>> &
      ComputedRow<O> &
      IncludedRow<M, O>
  >
>;

/** The list answer: the page envelope (`count` with page numbers only), or a plain array without pagination. */
export type ResourcePage<M extends AnyModel, O = {}> =
  Opt<O, 'pagination'> extends false
    ? ResourceRead<M, O>[]
    : Opt<O, 'pagination'> extends { style: 'cursor' }
      ? { next: string | null; previous: string | null; results: ResourceRead<M, O>[] }
      : { count: number; next: string | null; previous: string | null; results: ResourceRead<M, O>[] };

// ---- what a resource accepts -----------------------------------------------------------

type Body<M> = Omit<CreateInput<M>, 'id'>;
type Writable<M, O> = Exclude<
  Opt<O, 'writable'> extends readonly unknown[]
    ? NamesIn<M, Opt<O, 'writable'>>
    : Opt<O, 'fields'> extends readonly unknown[]
      ? NamesIn<M, Opt<O, 'fields'>> | NamesIn<M, Opt<O, 'writeOnly'>>
      : keyof Body<M>,
  NamesIn<M, Opt<O, 'readOnly'>> | NamesIn<M, Opt<O, 'exclude'>>
>;

type Nested<O> = Opt<O, 'nested', {}>;
/** One child of a nested write: the fields the collection lets a caller set on it. */
type NestedChild<N> = N extends { model: infer C extends AnyModel }
  ? Jsonified<
      Opt<N, 'fields'> extends readonly unknown[]
        ? Pick<Body<C>, NamesIn<C, Opt<N, 'fields'>> & keyof Body<C>>
        : Body<C>
    >
  : Record<string, unknown>;
type MinOf<N> = N extends { min: infer Min extends number } ? Min : 0;
type NestedBody<O, Creating extends boolean> = {
  [K in keyof Nested<O> as Creating extends true
    ? MinOf<Nested<O>[K]> extends 0
      ? never
      : K
    : never]: NestedChild<Nested<O>[K]>[];
} & {
  [K in keyof Nested<O> as Creating extends true
    ? MinOf<Nested<O>[K]> extends 0
      ? K
      : never
    : K]?: (Creating extends true
    ? NestedChild<Nested<O>[K]>
    : Partial<NestedChild<Nested<O>[K]>> & { id?: number | string })[];
};

/** The body of a resource's create: its writable fields, the model's required ones required, and its nested children. */
export type ResourceCreate<M extends AnyModel, O = {}> = Simplify<
  Pick<Body<M>, Writable<M, O> & keyof Body<M>> & NestedBody<O, true>
>;

/** The body of a resource's PATCH: any of its writable fields; a nested relation given replaces its children. */
export type ResourcePatch<M extends AnyModel, O = {}> = Simplify<
  Partial<Pick<Body<M>, Writable<M, O> & keyof Body<M>>> & NestedBody<O, false>
>;

// ---- query strings ---------------------------------------------------------------------

type FilterValue = string | number | boolean | readonly (string | number)[];
type FilterEntries<O> =
  Opt<O, 'filters', {}> extends infer F
    ? F extends readonly string[]
      ? { [K in F[number]]: true }
      : F
    : never;
type FilterParams<O> = {
  [K in keyof FilterEntries<O> & string as FilterEntries<O>[K] extends readonly (infer L extends Lookup)[]
    ? L extends 'eq'
      ? K
      : `${K}[${L}]`
    : K | `${K}[${Exclude<Lookup, 'eq'>}]`]?: FilterValue;
};

type ListParams<O> =
  Opt<O, 'pagination'> extends false
    ? {}
    : Opt<O, 'pagination'> extends { style: 'cursor' }
      ? { cursor?: string; pageSize?: number }
      : { page?: number; pageSize?: number };

type ObjectQuery<O> = (keyof IncludeEntries<O> extends never ? {} : { include?: string }) &
  (Sparse<O> extends true ? { fields?: string } : {});

/** The query string of a resource's list: filters, `search`, `ordering`, pagination, `include`, `fields`. */
export type ResourceListQuery<O = {}> = Simplify<
  FilterParams<O> &
    (Opt<O, 'search'> extends readonly [unknown, ...unknown[]] ? { search?: string } : {}) &
    (Opt<O, 'ordering'> extends readonly [unknown, ...unknown[]] ? { ordering?: string } : {}) &
    ListParams<O> &
    ObjectQuery<O>
>;

// ---- endpoints -------------------------------------------------------------------------

/** `/api/books/` → `/api/books` (resource() strips trailing slashes). */
type Trim<P extends string> = P extends `${infer Rest}/` ? Trim<Rest> : P;

/** A resource's collection path, as declared in its options. */
export type BasePath<O> = O extends { path: infer P extends string } ? Trim<P> : string;

type IdParams<M> = TUnsafe<{ id: PrimaryKeyOf<M> }>;

/** What resource() declares for one standard action. */
type StandardEndpoint<M extends AnyModel, O, A extends ResourceAction> = A extends 'list'
  ? Endpoint<
      'GET',
      BasePath<O>,
      { query: TUnsafe<ResourceListQuery<O>>; response: { 200: TUnsafe<ResourcePage<M, O>> } }
    >
  : A extends 'retrieve'
    ? Endpoint<
        'GET',
        `${BasePath<O>}/:id`,
        {
          params: IdParams<M>;
          query: TUnsafe<Simplify<ObjectQuery<O>>>;
          response: { 200: TUnsafe<ResourceRead<M, O>>; 304: TNull };
        }
      >
    : A extends 'create'
      ? Endpoint<
          'POST',
          BasePath<O>,
          { body: TUnsafe<ResourceCreate<M, O>>; response: { 201: TUnsafe<ResourceRead<M, O>> } }
        >
      : A extends 'update'
        ? Endpoint<
            'PUT',
            `${BasePath<O>}/:id`,
            {
              params: IdParams<M>;
              body: TUnsafe<ResourceCreate<M, O>>;
              response: { 200: TUnsafe<ResourceRead<M, O>> };
            }
          >
        : A extends 'partialUpdate'
          ? Endpoint<
              'PATCH',
              `${BasePath<O>}/:id`,
              {
                params: IdParams<M>;
                body: TUnsafe<ResourcePatch<M, O>>;
                response: { 200: TUnsafe<ResourceRead<M, O>> };
              }
            >
          : Endpoint<'DELETE', `${BasePath<O>}/:id`, { params: IdParams<M>; response: { 204: TNull } }>;

type Enabled<O> = Opt<O, 'actions'> extends readonly (infer A extends ResourceAction)[] ? A : ResourceAction;

type StandardTuple<M extends AnyModel, O, L extends readonly ResourceAction[]> = L extends readonly [
  infer A extends ResourceAction,
  ...infer Rest extends readonly ResourceAction[],
]
  ? A extends Enabled<O>
    ? [StandardEndpoint<M, O, A>, ...StandardTuple<M, O, Rest>]
    : StandardTuple<M, O, Rest>
  : [];

/** The endpoints resource() declares for a model and its options, in declaration order. */
export type ResourceEndpoints<M extends AnyModel, O> = readonly [
  ...StandardTuple<M, O, ['list', 'retrieve', 'create', 'update', 'partialUpdate', 'delete']>,
];

type ActionMethod<S> = S extends { method: infer X extends HttpMethod } ? X : 'POST';
type ActionSegment<N extends string, S> = S extends { path: infer P extends string } ? P : N;

/** The endpoint a custom action declares: under the object (`/:id/name`) unless `detail: false`. */
export type ActionEndpoint<M extends AnyModel, O, N extends string, S extends ActionSpec> = S extends {
  detail: false;
}
  ? Endpoint<ActionMethod<S>, `${BasePath<O>}/${ActionSegment<N, S>}`, S>
  : Endpoint<
      ActionMethod<S>,
      `${BasePath<O>}/:id/${ActionSegment<N, S>}`,
      Omit<S, 'params'> & { params: IdParams<M> }
    >;
