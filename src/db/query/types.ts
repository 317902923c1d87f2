import type { BelongsToField, HasManyField, ManyToManyField } from '../fields/field.js';
import type { FieldsOf, Infer, RelationKeys, ResolveTarget } from '../infer.js';

/** Lookups every value type supports. */
export interface ValueLookups<T> {
  eq?: T | null;
  ne?: T | null;
  lt?: T;
  lte?: T;
  gt?: T;
  gte?: T;
  in?: readonly T[];
  notIn?: readonly T[];
  isNull?: boolean;
  between?: readonly [T, T];
}

/** Text lookups (matched literally: `%`, `_` and `\` are escaped). */
export interface TextLookups {
  contains?: string;
  icontains?: string;
  startsWith?: string;
  endsWith?: string;
}

/** The lookups available for a value type. */
export type Lookups<T> = ValueLookups<T> & ([T] extends [string] ? TextLookups : {});

/** A field filter: a value (equality; `null` means IS NULL) or a lookups object. */
export type FieldFilter<T> = T | null | Lookups<NonNullable<T>>;

type RelationWhere<M, TModels> = M extends { fields: infer F }
  ? { [K in RelationKeys<F>]?: Where<ResolveTarget<RelationTargetOf<F[K]>, TModels>, TModels> }
  : never;

type RelationTargetOf<X> = X extends { '~types'?: { target: infer T } } ? T : never;

/**
 * A typed filter over a model: field lookups, relation filters (`author: { name: ... }`;
 * for hasMany/manyToMany: "at least one related row matches") and `and`/`or`/`not`.
 */
export type Where<M, TModels = never> = {
  [K in keyof Infer<M>]?: FieldFilter<Infer<M>[K] | NumericFilter<FieldsOf<M>, K>>;
} & RelationWhere<M, TModels> & {
    and?: readonly Where<M, TModels>[];
    or?: readonly Where<M, TModels>[];
    not?: Where<M, TModels>;
  };

/** Decimal fields may be compared with numbers in filters. */
type NumericFilter<F, K> = K extends keyof F
  ? F[K] extends { '~types'?: { decimal: true } }
    ? number
    : never
  : never;

/** A field to order by, with `-` for descending. */
export type OrderKey<M> = (keyof Infer<M> & string) | `-${keyof Infer<M> & string}`;

/** Names of the relations a model's query can include. */
export type IncludeKey<M> = RelationKeys<FieldsOf<M>>;

type TargetOf<M, K, TModels> = K extends keyof FieldsOf<M>
  ? ResolveTarget<RelationTargetOf<FieldsOf<M>[K]>, TModels>
  : never;

/** A relation to include, or a relation of a relation: `'author'`, `'reviews.customer'`. */
export type IncludePath<M, TModels = never> =
  | IncludeKey<M>
  | { [K in IncludeKey<M>]: `${K}.${IncludeKey<TargetOf<M, K, TModels>>}` }[IncludeKey<M>];

type Top<P> = P extends `${infer A}.${string}` ? A : P;
type Sub<P, A extends string> = P extends `${A}.${infer B}` ? B : never;

type Nested<X, TModels, S extends string> =
  X extends BelongsToField<infer T, infer N>
    ? NestedRow<ResolveTarget<T, TModels>, TModels, S> | (N extends true ? null : never)
    : X extends HasManyField<infer T> | ManyToManyField<infer T>
      ? NestedRow<ResolveTarget<T, TModels>, TModels, S>[]
      : never;

type NestedRow<T, TModels, S extends string> = [T] extends [never]
  ? Record<string, unknown>
  : [S] extends [never]
    ? Infer<T>
    : Infer<T> & WithIncludes<T, TModels, S>;

/** The row type with the included relations (and nested ones) added. */
export type WithIncludes<M, TModels, P extends string> = {
  [A in Top<P> & IncludeKey<M>]: Nested<FieldsOf<M>[A], TModels, Sub<P, A>>;
};

/** An aggregate: `{ fn: 'sum', field: 'price' }`; build with {@link agg}. */
export interface Aggregate<
  Fn extends 'count' | 'sum' | 'avg' | 'min' | 'max' = 'count' | 'sum' | 'avg' | 'min' | 'max',
  K extends string = string,
> {
  fn: Fn;
  field: K | null;
}

/** Result type of one aggregate over model row `R`. */
export type AggregateResult<A, R> =
  A extends Aggregate<'count'>
    ? number
    : A extends Aggregate<infer Fn, infer K>
      ? K extends keyof R
        ? AggregateValue<Fn, R[K]>
        : never
      : never;

type AggregateValue<Fn, V> = Fn extends 'min' | 'max'
  ? V | null
  : NonNullable<V> extends string
    ? string | null
    : number | null;

/** One page of a keyset-paginated query. */
export interface Page<T> {
  items: T[];
  /** Pass as `after` to get the next page; `null` on the last page. */
  nextCursor: string | null;
  hasMore: boolean;
}

/** Builders for {@link Query.aggregate}. */
export const agg = {
  /** Number of rows (or of non-null values of `field`). */
  count: <K extends string = never>(field?: K): Aggregate<'count', K> => ({
    fn: 'count',
    field: field ?? null,
  }),
  sum: <K extends string>(field: K): Aggregate<'sum', K> => ({ fn: 'sum', field }),
  avg: <K extends string>(field: K): Aggregate<'avg', K> => ({ fn: 'avg', field }),
  min: <K extends string>(field: K): Aggregate<'min', K> => ({ fn: 'min', field }),
  max: <K extends string>(field: K): Aggregate<'max', K> => ({ fn: 'max', field }),
};
