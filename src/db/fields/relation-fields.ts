import type {
  BaseFieldOptions,
  BelongsToField,
  HasManyField,
  ManyToManyField,
  ModelLike,
  OnDelete,
} from './field.js';
import { toConfig } from './field.js';

/** Options of `f.belongsTo()`. */
export interface BelongsToOptions
  extends Pick<
    BaseFieldOptions<never>,
    'optional' | 'unique' | 'index' | 'column' | 'label' | 'help' | 'readOnly' | 'writeOnly'
  > {
  /** Defaults to `'cascade'`; `'setNull'` needs `optional: true`. */
  onDelete?: OnDelete;
  /** Name of the reverse relation on the target (e.g. `'books'` on Author). */
  related?: string;
}

/** Options of `f.hasMany()`. */
export interface HasManyOptions {
  /** The `belongsTo` field on the target that points back here. */
  foreignKey: string;
  label?: string;
  help?: string;
}

/** Options of `f.manyToMany()`. */
export interface ManyToManyOptions {
  /** A join model with one `belongsTo` to each side; an automatic join table otherwise. */
  through?: (() => ModelLike) | string;
  label?: string;
  help?: string;
}

type Nullable<O> = O extends { optional: true } ? true : false;

/**
 * A foreign key to another model. Pass a thunk (`() => Author`, any declaration order)
 * or, for self references and cycles, the model name (`'category'`).
 */
export function belongsTo<T extends ModelLike, const O extends BelongsToOptions = {}>(
  target: () => T,
  options?: O,
): BelongsToField<T, Nullable<O>>;
export function belongsTo<const N extends string, const O extends BelongsToOptions = {}>(
  target: N,
  options?: O,
): BelongsToField<N, Nullable<O>>;
export function belongsTo(
  target: (() => ModelLike) | string,
  options: BelongsToOptions = {},
): BelongsToField {
  return {
    relation: 'belongsTo',
    kind: 'belongsTo',
    config: toConfig(options, {
      target,
      // Foreign keys are indexed by default (as Django does): deletes cascade and joins look them up.
      index: options.index !== false,
      autoIndex: options.index === undefined,
      onDelete: options.onDelete ?? 'cascade',
      ...(options.related === undefined ? {} : { related: options.related }),
    }),
  };
}

/**
 * The reverse side of a `belongsTo`. When the target also points back here (the usual
 * case), pass the model name (`f.hasMany('review', ...)`) so TypeScript sees no cycle.
 */
export function hasMany<T extends ModelLike>(target: () => T, options: HasManyOptions): HasManyField<T>;
export function hasMany<const N extends string>(target: N, options: HasManyOptions): HasManyField<N>;
export function hasMany(target: (() => ModelLike) | string, options: HasManyOptions): HasManyField {
  return {
    relation: 'hasMany',
    kind: 'hasMany',
    config: toConfig(
      { label: options.label, help: options.help },
      { target, foreignKey: options.foreignKey },
    ),
  };
}

/** A many-to-many relation; the join table is created for you unless `through` is given. */
export function manyToMany<T extends ModelLike>(
  target: () => T,
  options?: ManyToManyOptions,
): ManyToManyField<T>;
export function manyToMany<const N extends string>(
  target: N,
  options?: ManyToManyOptions,
): ManyToManyField<N>;
export function manyToMany(
  target: (() => ModelLike) | string,
  options: ManyToManyOptions = {},
): ManyToManyField {
  return {
    relation: 'manyToMany',
    kind: 'manyToMany',
    config: toConfig(
      { label: options.label, help: options.help, optional: true },
      { target, ...(options.through === undefined ? {} : { through: options.through }) },
    ),
  };
}
