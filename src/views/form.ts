import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Translator } from '../i18n/index.js';
import type { FormValues } from './form-body.js';

/** A submitted form: its data when valid, otherwise an error per field; the user's values either way. */
export type FormState<T> =
  | {
      readonly valid: true;
      readonly data: T;
      /** The values as typed, to fill the form in again. */
      readonly values: Readonly<Record<string, string>>;
      /** Every value of a field sent several times (a multiple select, checkboxes), to fill it in again. */
      readonly lists: Readonly<Record<string, readonly string[]>>;
      readonly errors: Readonly<Record<string, string>>;
    }
  | {
      readonly valid: false;
      readonly data: undefined;
      readonly values: Readonly<Record<string, string>>;
      readonly lists: Readonly<Record<string, readonly string[]>>;
      /** A message per field name (`title: 'This field is required.'`). */
      readonly errors: Readonly<Record<string, string>>;
    };

/** The field every form of a session carries its CSRF token in. */
export const CSRF_FIELD = 'csrf_token';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

/** Validates form values against a TypeBox object schema: strings coerced, blanks of non-text fields dropped. */
export class FormValidator<S extends TSchema> {
  static #ajv: Ajv | undefined;
  readonly #schema: S;
  #validate: ValidateFunction | undefined;

  constructor(schema: S) {
    this.#schema = schema;
  }

  /**
   * Validates `values` (and the files stored for the form's file fields, with the errors of
   * those refused); error messages are in the translator's language.
   */
  check(
    values: FormValues,
    i18n: Translator,
    files: Readonly<Record<string, unknown>> = {},
    fileErrors: Readonly<Record<string, string>> = {},
  ): FormState<Static<S>> {
    const properties = (this.#schema as { properties?: Record<string, PropertySchema> }).properties ?? {};
    const shown: Record<string, string> = {};
    const lists: Record<string, string[]> = {};
    const input: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(properties)) {
      const { type, nullable } = baseType(property);
      if (type === 'object') {
        // A file field: the stored file, or nothing (an update keeps the file it had).
        if (files[name] !== undefined) input[name] = files[name];
        continue;
      }
      const raw = values[name];
      if (type === 'array') {
        // A multiple select sends a value per option chosen, and nothing when none is.
        const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
        lists[name] = list;
        input[name] = list.filter((value) => value !== '');
        continue;
      }
      if (raw === undefined) {
        // An unticked checkbox sends nothing.
        if (type === 'boolean') input[name] = false;
        continue;
      }
      shown[name] = Array.isArray(raw) ? raw.join(', ') : raw;
      // An empty box means "no value", as in Django: null where the field allows it, else absent.
      if (raw === '' && (nullable || type !== 'string')) {
        if (nullable) input[name] = null;
        continue;
      }
      input[name] = type === 'boolean' && (raw === 'on' || raw === 'true') ? true : raw;
    }
    if (this.#validate === undefined) this.#validate = FormValidator.#compiler().compile(this.#schema);
    const valid = this.#validate(input);
    if (valid && Object.keys(fileErrors).length === 0)
      return { valid: true, data: input as Static<S>, values: shown, lists, errors: {} };
    return {
      valid: false,
      data: undefined,
      values: shown,
      lists,
      errors: { ...(valid ? {} : fieldMessages(this.#validate.errors ?? [], i18n)), ...fileErrors },
    };
  }

  static #compiler(): Ajv {
    if (FormValidator.#ajv === undefined) {
      FormValidator.#ajv = new Ajv({
        allErrors: true,
        strict: false,
        useDefaults: true,
        coerceTypes: 'array',
      });
      addFormats(FormValidator.#ajv);
    }
    return FormValidator.#ajv;
  }
}

interface PropertySchema {
  type?: unknown;
  anyOf?: PropertySchema[];
}

/** A property's type, looking through `anyOf [T, null]` (a model's optional field). */
function baseType(property: PropertySchema): { type: unknown; nullable: boolean } {
  if (property.anyOf) {
    const nullable = property.anyOf.some((branch) => branch.type === 'null');
    const branch = property.anyOf.find((b) => b.type !== 'null');
    return { type: branch?.type, nullable };
  }
  return { type: property.type, nullable: false };
}

function fieldMessages(issues: readonly ErrorObject[], i18n: Translator): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const name =
      issue.keyword === 'required'
        ? String(issue.params.missingProperty)
        : (issue.instancePath.split('/')[1] ?? '').replaceAll('~1', '/').replaceAll('~0', '~');
    if (name === '' || errors[name] !== undefined) continue;
    errors[name] = message(issue, i18n);
  }
  return errors;
}

function message(issue: ErrorObject, i18n: Translator): string {
  const params = issue.params as Record<string, unknown>;
  const limit = Number(params.limit);
  switch (issue.keyword) {
    case 'required':
      return i18n.t('basalt.form.required');
    case 'minLength':
    case 'maxLength':
    case 'minimum':
    case 'maximum':
      return i18n.t(`basalt.form.${issue.keyword}`, { limit });
    case 'maxItems':
      return i18n.t('basalt.form.choices', { count: limit });
    case 'type':
      return i18n.t(
        params.type === 'integer'
          ? 'basalt.form.integer'
          : params.type === 'number'
            ? 'basalt.form.number'
            : 'basalt.form.invalid',
      );
    case 'format':
      return params.format === 'email'
        ? i18n.t('basalt.form.email')
        : i18n.t('basalt.form.format', { format: String(params.format) });
    case 'enum':
    case 'const':
    case 'anyOf':
      return i18n.t('basalt.form.choice');
    default:
      return i18n.t('basalt.form.invalid');
  }
}
