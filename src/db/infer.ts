import type {
  BelongsToField,
  FieldsShape,
  HasManyField,
  ManyToManyField,
  ScalarField,
} from './fields/field.js';
import type { Model, PrimaryKeyType } from './model.js';

/** Flattens an intersection for readable hover types. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Fields of a model type. */
export type FieldsOf<M> = M extends Model<string, infer F> ? F : never;

/** The JS type of a model's primary key (`number`, or `string` for UUIDs). */
export type PrimaryKeyOf<M> =
  M extends Model<string, FieldsShape, infer P> ? (P extends 'uuid' ? string : number) : never;

type PkValue<P extends PrimaryKeyType> = P extends 'uuid' ? string : number;

/**
 * The key type of a relation target: from the model type; from the declaring model itself
 * for a self reference by name; else `number | string` (a name resolved only at run time).
 */
type TargetKey<T, S = never, SP extends PrimaryKeyType = PrimaryKeyType> =
  T extends Model<string, FieldsShape, infer P>
    ? PkValue<P>
    : [T] extends [S]
      ? PkValue<SP>
      : number | string;

type ScalarKeys<F> = { [K in keyof F]: F[K] extends ScalarField ? K : never }[keyof F];
type BelongsToKeys<F> = { [K in keyof F]: F[K] extends BelongsToField ? K : never }[keyof F];

/** Names of the relation fields of a fields shape. */
export type RelationKeys<F> = {
  [K in keyof F]: F[K] extends BelongsToField | HasManyField | ManyToManyField ? K : never;
}[keyof F] &
  string;

type ScalarValue<X> = X extends ScalarField<infer T, infer N> ? (N extends true ? T | null : T) : never;
type FkValue<X, S, SP extends PrimaryKeyType> =
  X extends BelongsToField<infer T, infer N> ? TargetKey<T, S, SP> | (N extends true ? null : never) : never;

type ScalarRow<F> = { [K in ScalarKeys<F>]: ScalarValue<F[K]> };
type FkRow<F, S, SP extends PrimaryKeyType> = {
  [K in BelongsToKeys<F> as `${K & string}Id`]: FkValue<F[K], S, SP>;
};
type TimestampRow<TS> = TS extends true ? { createdAt: Date; updatedAt: Date } : {};

/**
 * The record lifecycle hooks see for a fields shape: every field typed, `id` and timestamps
 * optional (a `beforeSave` on create runs before the database assigns them).
 */
export type HookRecord<F> = Simplify<
  ScalarRow<F> &
    FkRow<F, never, PrimaryKeyType> & { id?: number | string; createdAt?: Date; updatedAt?: Date }
>;

/**
 * The row type of a model: `id`, every column field (a `belongsTo` named `author`
 * appears as `authorId`), and `createdAt`/`updatedAt` when timestamps are on.
 *
 * @example
 * type Book = Infer<typeof Book>;
 */
export type Infer<M> =
  M extends Model<infer S, infer F, infer P, infer TS>
    ? Simplify<{ id: PkValue<P> } & ScalarRow<F> & FkRow<F, S, P> & TimestampRow<TS>>
    : never;

type IsRequired<X> =
  X extends ScalarField<unknown, infer N, infer D>
    ? N extends true
      ? false
      : D extends true
        ? false
        : true
    : X extends BelongsToField<unknown, infer N>
      ? N extends true
        ? false
        : true
      : false;

type InputKey<F, K extends keyof F> = F[K] extends BelongsToField ? `${K & string}Id` : K;
type InputValue<X, S, SP extends PrimaryKeyType> = X extends ScalarField
  ? ScalarValue<X>
  : X extends BelongsToField
    ? FkValue<X, S, SP>
    : X extends ManyToManyField<infer T>
      ? TargetKey<T, S, SP>[]
      : never;

type InputKeys<F> = { [K in keyof F]: F[K] extends HasManyField ? never : K }[keyof F];
type RequiredInput<F, S, SP extends PrimaryKeyType> = {
  [K in InputKeys<F> as IsRequired<F[K]> extends true ? InputKey<F, K> : never]: InputValue<F[K], S, SP>;
};
type OptionalInput<F, S, SP extends PrimaryKeyType> = {
  [K in InputKeys<F> as IsRequired<F[K]> extends true ? never : InputKey<F, K>]?: InputValue<F[K], S, SP>;
};

/**
 * What `db.create(Model, data)` accepts: required fields, then optional, nullable and
 * defaulted ones; many-to-many fields take a list of target keys.
 */
export type CreateInput<M> =
  M extends Model<infer S, infer F, infer P>
    ? Simplify<RequiredInput<F, S, P> & OptionalInput<F, S, P> & { id?: PkValue<P> }>
    : never;

/** What `db.update(Model, id, data)` accepts: every writable field, all optional. */
export type UpdateInput<M> =
  M extends Model<infer S, infer F, infer P>
    ? Simplify<Partial<RequiredInput<F, S, P>> & OptionalInput<F, S, P>>
    : never;

/** Resolves a relation target (model type or model name) against the models a database knows. */
export type ResolveTarget<T, TModels> = T extends Model
  ? T
  : T extends string
    ? Extract<TModels, Model<T>>
    : never;

/** The value an included relation adds to a row. */
export type RelationValue<X, TModels = never> =
  X extends BelongsToField<infer T, infer N>
    ? RowOrUnknown<ResolveTarget<T, TModels>> | (N extends true ? null : never)
    : X extends HasManyField<infer T>
      ? RowOrUnknown<ResolveTarget<T, TModels>>[]
      : X extends ManyToManyField<infer T>
        ? RowOrUnknown<ResolveTarget<T, TModels>>[]
        : never;

type RowOrUnknown<M> = [M] extends [never] ? Record<string, unknown> : Infer<M>;

/** The relations of a model as they appear once included: `{ author: Author; tags: Tag[] }`. */
export type Relations<M, TModels = never> =
  M extends Model<string, infer F> ? { [K in RelationKeys<F>]: RelationValue<F[K], TModels> } : never;
