import type { Static, TSchema } from '@sinclair/typebox';
import type {
  BaseFieldOptions,
  Choice,
  FieldValidator,
  FileValue,
  ScalarField,
  ScalarKind,
} from './field.js';
import { toConfig } from './field.js';

type IsOptional<O> = O extends { optional: true } ? true : false;
type HasDefault<O> = O extends { default: infer D } ? ([D] extends [undefined] ? false : true) : false;

/** The field type a builder returns for value type `T` and options `O`. */
export type FieldFor<T, O> = ScalarField<T, IsOptional<O>, HasDefault<O>>;

/** Options of `f.string()` and the other string-like fields. */
export interface StringOptions extends BaseFieldOptions<string> {
  /** Maximum length in characters (VARCHAR(max)); `f.string` defaults to 255. */
  max?: number;
}

/** A decimal field: string values; filters may also compare with numbers (`price: { lt: 20 }`). */
export type DecimalField<O> = FieldFor<string, O> & { readonly '~types'?: { decimal: true } };

/** Options of `f.decimal()`. */
export interface DecimalOptions extends BaseFieldOptions<string> {
  /** Total number of significant digits. */
  precision: number;
  /** Digits after the decimal point. */
  scale: number;
}

/** Choices of `f.enum()`: `{ draft: 'Draft' }` (value to label) or `['draft', 'published']`. */
export type EnumChoices = Readonly<Record<string, string>> | readonly string[];

/** The value type of enum choices. */
export type ChoiceValue<C> = C extends readonly (infer V extends string)[] ? V : Extract<keyof C, string>;

/** Options of `f.enum()`. */
export interface EnumOptions<C extends EnumChoices>
  extends Omit<BaseFieldOptions<ChoiceValue<C>>, 'default' | 'validators'> {
  choices: C;
  default?: NoInfer<ChoiceValue<C>> | (() => NoInfer<ChoiceValue<C>>);
  validators?: ReadonlyArray<FieldValidator<NoInfer<ChoiceValue<C>>>>;
}

/** Options of `f.json()`. */
export interface JsonOptions<S extends TSchema | undefined> extends BaseFieldOptions<unknown> {
  /** A TypeBox schema the value must satisfy; it also types the value. */
  schema?: S;
}

/** Options of `f.file()`. */
export interface FileOptions extends BaseFieldOptions<FileValue> {
  /** Accepted content types, e.g. `['image/*']`, checked against the file's magic bytes on upload. */
  accept?: string[];
  /** The named storage of `basalt/storage` files go to; default `default`. */
  storage?: string;
  /** Largest accepted upload in bytes, enforced while streaming. */
  maxSize?: number;
}

function scalar<T, O>(kind: ScalarKind, options: object, extra: object = {}): FieldFor<T, O> {
  return { relation: false, kind, config: toConfig(options, extra) };
}

function choicesOf(choices: Readonly<Record<string, string>> | readonly string[]): Choice[] {
  if (Array.isArray(choices)) return choices.map((value: string) => ({ value, label: value }));
  return Object.entries(choices as Record<string, string>).map(([value, label]) => ({ value, label }));
}

/** Short text with a maximum length (VARCHAR). */
export function string<const O extends StringOptions = {}>(options?: O & StringOptions): FieldFor<string, O> {
  return scalar('string', options ?? {}, { max: options?.max ?? 255 });
}

/** Unbounded text. */
export function text<const O extends StringOptions = {}>(options?: O & StringOptions): FieldFor<string, O> {
  return scalar('text', options ?? {}, options?.max === undefined ? {} : { max: options.max });
}

/** A 32-bit integer. */
export function integer<const O extends BaseFieldOptions<number> = {}>(
  options?: O & BaseFieldOptions<number>,
): FieldFor<number, O> {
  return scalar('integer', options ?? {});
}

/** A 64-bit integer column; values are JS numbers and must be safe integers. */
export function bigInteger<const O extends BaseFieldOptions<number> = {}>(
  options?: O & BaseFieldOptions<number>,
): FieldFor<number, O> {
  return scalar('bigInteger', options ?? {});
}

/** A double-precision float. */
export function float<const O extends BaseFieldOptions<number> = {}>(
  options?: O & BaseFieldOptions<number>,
): FieldFor<number, O> {
  return scalar('float', options ?? {});
}

/** An exact decimal; values are strings like `'19.90'`, never floats. */
export function decimal<const O extends DecimalOptions>(options: O & DecimalOptions): DecimalField<O> {
  return scalar('decimal', options, {
    precision: options.precision,
    scale: options.scale,
  }) as DecimalField<O>;
}

/** A boolean. */
export function boolean<const O extends BaseFieldOptions<boolean> = {}>(
  options?: O & BaseFieldOptions<boolean>,
): FieldFor<boolean, O> {
  return scalar('boolean', options ?? {});
}

/** A calendar date as a `'YYYY-MM-DD'` string. */
export function date<const O extends BaseFieldOptions<string> = {}>(
  options?: O & BaseFieldOptions<string>,
): FieldFor<string, O> {
  return scalar('date', options ?? {});
}

/** An instant as a `Date`, stored in UTC. */
export function datetime<const O extends BaseFieldOptions<Date> = {}>(
  options?: O & BaseFieldOptions<Date>,
): FieldFor<Date, O> {
  return scalar('datetime', options ?? {});
}

/** A time of day as an `'HH:MM'` or `'HH:MM:SS'` string. */
export function time<const O extends BaseFieldOptions<string> = {}>(
  options?: O & BaseFieldOptions<string>,
): FieldFor<string, O> {
  return scalar('time', options ?? {});
}

/** A UUID string. */
export function uuid<const O extends BaseFieldOptions<string> = {}>(
  options?: O & BaseFieldOptions<string>,
): FieldFor<string, O> {
  return scalar('uuid', options ?? {});
}

/** An e-mail address (validated). */
export function email<const O extends StringOptions = {}>(options?: O & StringOptions): FieldFor<string, O> {
  return scalar('email', options ?? {}, { max: options?.max ?? 254 });
}

/** An http(s) URL (validated). */
export function url<const O extends StringOptions = {}>(options?: O & StringOptions): FieldFor<string, O> {
  return scalar('url', options ?? {}, { max: options?.max ?? 2048 });
}

/** A slug: letters, digits, `-` and `_`. */
export function slug<const O extends StringOptions = {}>(options?: O & StringOptions): FieldFor<string, O> {
  return scalar('slug', options ?? {}, { max: options?.max ?? 255 });
}

/** One of a fixed set of string values, each with a label. */
export function enumField<const C extends EnumChoices, const O extends EnumOptions<C>>(
  options: O & EnumOptions<C>,
): FieldFor<ChoiceValue<C>, O> {
  return scalar('enum', options, { choices: choicesOf(options.choices) });
}

/** Any JSON value, optionally checked against (and typed by) a TypeBox schema. */
export function json<const O extends JsonOptions<S>, S extends TSchema | undefined = undefined>(
  options?: O & JsonOptions<S>,
): FieldFor<S extends TSchema ? Static<S> : unknown, O> {
  return scalar('json', options ?? {}, options?.schema === undefined ? {} : { schema: options.schema });
}

function fileExtra(options: FileOptions | undefined, image: boolean): object {
  const extra: Record<string, unknown> = image ? { image: true } : {};
  const accept = options?.accept ?? (image ? ['image/*'] : undefined);
  if (accept !== undefined) extra.accept = accept;
  if (options?.storage !== undefined) extra.storage = options.storage;
  if (options?.maxSize !== undefined) extra.maxSize = options.maxSize;
  return extra;
}

/** A stored file reference (key and metadata); storage backends come with `basalt/storage`. */
export function file<const O extends FileOptions = {}>(options?: O & FileOptions): FieldFor<FileValue, O> {
  return scalar('file', options ?? {}, fileExtra(options, false));
}

/**
 * A stored image: a file field that accepts `image/*` by default and records width and
 * height; `basalt/storage` makes thumbnails of it.
 */
export function image<const O extends FileOptions = {}>(options?: O & FileOptions): FieldFor<FileValue, O> {
  return scalar('file', options ?? {}, fileExtra(options, true));
}
