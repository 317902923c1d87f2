import type { TSchema } from '@sinclair/typebox';

/** Kinds of column-backed fields. */
export type ScalarKind =
  | 'string'
  | 'text'
  | 'integer'
  | 'bigInteger'
  | 'float'
  | 'decimal'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'time'
  | 'uuid'
  | 'email'
  | 'url'
  | 'slug'
  | 'enum'
  | 'json'
  | 'file';

/** Kinds of relation fields. */
export type RelationKind = 'belongsTo' | 'hasMany' | 'manyToMany';

/** Every field kind. */
export type FieldKind = ScalarKind | RelationKind;

/** What happens to a row when the row its `belongsTo` points at is deleted. */
export type OnDelete = 'cascade' | 'restrict' | 'setNull' | 'protect';

/** A validator returns an error message, or `undefined` when the value is fine. */
export type FieldValidator<T> = (value: T) => string | undefined;

/** Options every column-backed field accepts. */
export interface BaseFieldOptions<T> {
  /** The column accepts NULL and the input may omit the field. */
  optional?: boolean;
  /** A default value, or a function called for each new row. */
  default?: T | (() => T);
  unique?: boolean;
  index?: boolean;
  /** Column name; defaults to the field name in snake_case. */
  column?: string;
  /** Human label for admin, docs and error messages. */
  label?: string;
  /** Help text for admin and docs. */
  help?: string;
  /** Shown by APIs but never accepted as input. */
  readOnly?: boolean;
  /** Accepted as input by APIs but never shown. */
  writeOnly?: boolean;
  validators?: ReadonlyArray<FieldValidator<T>>;
}

/** Metadata of a stored file (the storage capability fills it). */
export interface FileValue {
  key: string;
  /** The named storage holding it (`default` when omitted). */
  storage?: string;
  name?: string;
  size?: number;
  contentType?: string;
  /** SHA-256 of the content, hex. */
  checksum?: string;
  /** Images: pixel dimensions. */
  width?: number;
  height?: number;
}

/** One enum choice. */
export interface Choice {
  value: string;
  label: string;
}

/** Anything a model reference can be: a thunk (lazy, any declaration order) or a model name. */
export type ModelRef = (() => ModelLike) | string;

/** The minimum a relation needs from its target at run time. */
export interface ModelLike {
  readonly name: string;
}

/**
 * Normalised, untyped field configuration; internal to `basalt/db`, read through
 * {@link FieldMeta} by everything else.
 */
export interface FieldConfig {
  optional: boolean;
  hasDefault: boolean;
  default: unknown;
  unique: boolean;
  index: boolean;
  /** belongsTo: `index` was not given, so the foreign key is indexed unless another index starts with it. */
  autoIndex?: boolean;
  column: string | undefined;
  label: string | undefined;
  help: string | undefined;
  readOnly: boolean;
  writeOnly: boolean;
  validators: ReadonlyArray<FieldValidator<never>>;
  max?: number;
  precision?: number;
  scale?: number;
  choices?: Choice[];
  schema?: TSchema;
  accept?: string[];
  /** File fields: the named storage, the size limit in bytes, and whether it holds an image. */
  storage?: string;
  maxSize?: number;
  image?: boolean;
  target?: ModelRef;
  onDelete?: OnDelete;
  related?: string;
  foreignKey?: string;
  through?: ModelRef;
}

/** Phantom type information carried by a field (never present at run time). */
export interface FieldTypes<T, TNullable extends boolean, THasDefault extends boolean> {
  value: T;
  nullable: TNullable;
  hasDefault: THasDefault;
}

/** A column-backed field such as `f.string()`. */
export interface ScalarField<
  T = unknown,
  TNullable extends boolean = boolean,
  THasDefault extends boolean = boolean,
> {
  readonly relation: false;
  readonly kind: ScalarKind;
  readonly config: FieldConfig;
  readonly '~types'?: FieldTypes<T, TNullable, THasDefault>;
}

/** A foreign key: `f.belongsTo(() => Author)`. `TTarget` is the model type or its name. */
export interface BelongsToField<TTarget = unknown, TNullable extends boolean = boolean> {
  readonly relation: 'belongsTo';
  readonly kind: 'belongsTo';
  readonly config: FieldConfig;
  readonly '~types'?: { target: TTarget; nullable: TNullable };
}

/** The reverse side of a `belongsTo`: `f.hasMany(() => Review, { foreignKey: 'book' })`. */
export interface HasManyField<TTarget = unknown> {
  readonly relation: 'hasMany';
  readonly kind: 'hasMany';
  readonly config: FieldConfig;
  readonly '~types'?: { target: TTarget };
}

/** A many-to-many relation through a join table (automatic or a `through` model). */
export interface ManyToManyField<TTarget = unknown> {
  readonly relation: 'manyToMany';
  readonly kind: 'manyToMany';
  readonly config: FieldConfig;
  readonly '~types'?: { target: TTarget };
}

/** Any relation field. */
export type RelationField = BelongsToField | HasManyField | ManyToManyField;

/** Any field. */
export type AnyField = ScalarField | RelationField;

/** The fields object passed to `defineModel`. */
export type FieldsShape = Record<string, AnyField>;

/** Builds a {@link FieldConfig} from user options (internal). */
export function toConfig(options: object, extra: Partial<FieldConfig> = {}): FieldConfig {
  const o = options as BaseFieldOptions<unknown>;
  return {
    optional: o.optional === true,
    hasDefault: 'default' in o && o.default !== undefined,
    default: o.default,
    unique: o.unique === true,
    index: o.index === true,
    column: o.column,
    label: o.label,
    help: o.help,
    readOnly: o.readOnly === true,
    writeOnly: o.writeOnly === true,
    validators: (o.validators ?? []) as ReadonlyArray<FieldValidator<never>>,
    ...extra,
  };
}
