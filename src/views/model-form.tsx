import { type TObject, type TSchema, Type } from '@sinclair/typebox';
import { isBasaltError } from '../core/index.js';
import type { AnyModel, CreateInput, FieldMeta } from '../db/index.js';
import type { Translator } from '../i18n/index.js';
import type { FormState } from './form.js';
import type { Html } from './html.js';

/** How a field is shown: the `<input type>`, a `<textarea>`, a `<select>` or a checkbox. */
export type Widget =
  | {
      kind: 'input';
      type: 'text' | 'email' | 'url' | 'number' | 'date' | 'datetime-local' | 'time';
      step?: string;
    }
  | { kind: 'textarea' }
  | { kind: 'checkbox' }
  | { kind: 'select'; choices: readonly { value: string; label: string }[] }
  /** A to-many relation: a multiple select whose options the page gives (`FormFields choices`). */
  | { kind: 'multiselect'; model: string }
  /** A file field: stored through basalt/storage when the form is posted (multipart). */
  | { kind: 'file'; accept: readonly string[] | null };

/** One field of a {@link ModelForm}: its name, label, help, widget and limits, from the model. */
export interface FormField {
  readonly name: string;
  readonly label: string;
  readonly help: string | null;
  readonly required: boolean;
  readonly max: number | null;
  readonly widget: Widget;
}

/** A form made from a model (Django's ModelForm): the fields, and the schema `page({ form })` validates. */
export interface ModelForm<M extends AnyModel = AnyModel> {
  readonly model: M;
  /** The model's create schema, narrowed to the form's fields. */
  readonly schema: TObject;
  readonly fields: readonly FormField[];
  /** Phantom: what a valid form's `data` is. */
  readonly '~data'?: CreateInput<M>;
}

/** Options of {@link modelForm}. */
export interface ModelFormOptions {
  /** The fields shown, in order (default: every field a user can write, but reverse relations and JSON). */
  fields?: readonly string[];
}

const SKIPPED = new Set(['hasMany', 'json']);

/**
 * A form made from a model: a widget per field that fits its kind (text, number, date, select
 * for choices, checkbox for booleans, textarea for long text), labels and help texts from the
 * model, and the model's create schema to validate with. Pass it as `page({ form })`; a model
 * write's own validation errors come back beside their fields through {@link withModelErrors}.
 *
 * @example
 * const bookForm = modelForm(Book, { fields: ['title', 'price', 'publishedOn'] });
 */
export function modelForm<M extends AnyModel>(model: M, options: ModelFormOptions = {}): ModelForm<M> {
  const all = Object.values(model.meta.fields);
  const writable = all.filter(
    (field) => !field.primaryKey && field.auto === null && !field.readOnly && !SKIPPED.has(field.kind),
  );
  const chosen = options.fields
    ? options.fields.map((name) => {
        const field = writable.find((f) => f.name === name || f.attribute === name);
        if (!field)
          throw new TypeError(
            `modelForm(${model.name}): ${JSON.stringify(name)} is not a writable field; one of ${writable.map((f) => f.name).join(', ')}`,
          );
        return field;
      })
    : writable;
  const create = model.schemas.create;
  const properties: Record<string, TSchema> = {};
  const required: string[] = [];
  const fields: FormField[] = [];
  for (const field of chosen) {
    const key = field.kind === 'manyToMany' ? field.name : (field.attribute ?? field.name);
    const property = create.properties[key];
    if (property === undefined) continue;
    properties[key] = property;
    const isRequired = (create.required ?? []).includes(key);
    if (isRequired) required.push(key);
    fields.push({
      name: key,
      label: field.label,
      help: field.help,
      required: isRequired && field.kind !== 'boolean',
      max: field.max,
      widget: widgetOf(field),
    });
  }
  const schema = Type.Object(properties, { additionalProperties: false });
  schema.required = required;
  if (required.length === 0) delete (schema as { required?: string[] }).required;
  return { model, schema, fields };
}

function widgetOf(field: FieldMeta): Widget {
  if (field.choices) return { kind: 'select', choices: field.choices };
  switch (field.kind) {
    case 'manyToMany':
      return { kind: 'multiselect', model: field.relation?.target ?? '' };
    case 'file':
      return { kind: 'file', accept: field.accept };
    case 'text':
      return { kind: 'textarea' };
    case 'boolean':
      return { kind: 'checkbox' };
    case 'integer':
    case 'bigInteger':
    case 'belongsTo':
      return { kind: 'input', type: 'number', step: '1' };
    case 'float':
      return { kind: 'input', type: 'number', step: 'any' };
    case 'decimal':
      return {
        kind: 'input',
        type: 'number',
        step: field.scale ? (1 / 10 ** field.scale).toFixed(field.scale) : 'any',
      };
    case 'date':
      return { kind: 'input', type: 'date' };
    case 'datetime':
      return { kind: 'input', type: 'datetime-local' };
    case 'time':
      return { kind: 'input', type: 'time' };
    case 'email':
      return { kind: 'input', type: 'email' };
    case 'url':
      return { kind: 'input', type: 'url' };
    default:
      return { kind: 'input', type: 'text' };
  }
}

/**
 * The form again, invalid, with the field errors of a model write that refused its data
 * (a `ValidationError`: the model's validators, choices, limits). Any other error is thrown on.
 *
 * @example
 * try { await db.create(Book, form.data); } catch (error) { form = withModelErrors(form, error); }
 */
export function withModelErrors<T>(form: FormState<T>, error: unknown): FormState<T> {
  if (!isBasaltError(error) || error.code !== 'BASALT_VALIDATION_FAILED' || !error.errors) throw error;
  const errors: Record<string, string> = {};
  for (const issue of error.errors) {
    const name = issue.pointer.split('/')[1] ?? '';
    if (name !== '' && errors[name] === undefined) errors[name] = issue.detail;
  }
  return { valid: false, data: undefined, values: form.values, lists: form.lists, errors };
}

/** What {@link FormFields} renders a form from: the values typed and the errors, empty for a new form. */
export interface FormFieldsProps {
  form: ModelForm;
  state?: Pick<FormState<unknown>, 'values' | 'errors'> & Partial<Pick<FormState<unknown>, 'lists'>>;
  /** Values of a new or edited object, shown when the form was not submitted. */
  initial?: Readonly<Record<string, unknown>>;
  /** The options of to-many fields (`{ genres: [{ value: '1', label: 'Poetry' }] }`), read by the page. */
  choices?: Readonly<Record<string, readonly { value: string; label: string }[]>>;
  /**
   * The request's translator (`view.i18n`): Basalt's widget texts in its language, and field
   * labels and help from the keys `fields.<model>.<field>` and `fields.<model>.<field>.help` when
   * the app's catalogue has them.
   */
  i18n?: Translator;
}

/**
 * The fields of a model form: each with its label, widget, help text and error, linked for
 * screen readers (`aria-describedby`, `aria-invalid`). Put it inside a `<form>` with a
 * `CsrfField`.
 */
export function FormFields(props: FormFieldsProps): Html {
  const values = props.state?.values ?? {};
  const lists = props.state?.lists ?? {};
  const errors = props.state?.errors ?? {};
  const { i18n } = props;
  const model = props.form.model.name;
  const text = (key: string, fallback: string): string => (i18n?.has(key) ? i18n.t(key) : fallback);
  return (
    <>
      {props.form.fields.map((f) => {
        const field = {
          ...f,
          label: text(`fields.${model}.${f.name}`, f.label),
          help: f.help === null ? null : text(`fields.${model}.${f.name}.help`, f.help),
        };
        const id = `field-${field.name}`;
        const error = errors[field.name];
        const described = [field.help ? `${id}-help` : '', error ? `${id}-error` : '']
          .filter(Boolean)
          .join(' ');
        const raw = values[field.name] ?? initialText(props.initial?.[field.name]);
        const selected = new Set(lists[field.name] ?? initialList(props.initial?.[field.name]));
        const common = {
          id,
          name: field.name,
          required: field.required,
          'aria-invalid': error ? 'true' : undefined,
          'aria-describedby': described || undefined,
        };
        return (
          <div class={error ? 'field field-error' : 'field'}>
            {field.widget.kind === 'checkbox' ? (
              <label for={id}>
                <input type="checkbox" {...common} checked={raw === 'on' || raw === 'true'} /> {field.label}
              </label>
            ) : (
              <label for={id}>{field.label}</label>
            )}
            {field.widget.kind === 'textarea' ? (
              <textarea {...common} maxlength={field.max ?? undefined}>
                {raw}
              </textarea>
            ) : field.widget.kind === 'select' ? (
              <select {...common}>
                {field.required ? null : <option value="">{text('basalt.form.empty', '---------')}</option>}
                {field.widget.choices.map((choice) => (
                  <option value={choice.value} selected={choice.value === raw}>
                    {choice.label}
                  </option>
                ))}
              </select>
            ) : field.widget.kind === 'multiselect' ? (
              <select {...common} required={false} multiple>
                {(props.choices?.[field.name] ?? []).map((choice) => (
                  <option value={choice.value} selected={selected.has(choice.value)}>
                    {choice.label}
                  </option>
                ))}
              </select>
            ) : field.widget.kind === 'file' ? (
              <>
                <input
                  type="file"
                  {...common}
                  required={field.required && !isFile(props.initial?.[field.name])}
                  accept={field.widget.accept?.join(',') || undefined}
                />
                {isFile(props.initial?.[field.name]) ? (
                  <p class="current-file">
                    {i18n
                      ? i18n.t('basalt.form.file.current', { name: fileName(props.initial?.[field.name]) })
                      : `Currently: ${fileName(props.initial?.[field.name])}`}
                  </p>
                ) : null}
              </>
            ) : field.widget.kind === 'input' ? (
              <input
                type={field.widget.type}
                step={field.widget.step}
                {...common}
                value={raw}
                maxlength={field.max ?? undefined}
              />
            ) : null}
            {field.help ? (
              <p class="help" id={`${id}-help`}>
                {field.help}
              </p>
            ) : null}
            {error ? (
              <p class="error" id={`${id}-error`}>
                {error}
              </p>
            ) : null}
          </div>
        );
      })}
    </>
  );
}

function isFile(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { key?: unknown }).key === 'string';
}

function fileName(value: unknown): string {
  const { name, key } = value as { name?: string; key: string };
  return name ?? key.split('/').pop() ?? key;
}

/** The chosen keys of a to-many field's initial value: ids, or related rows with an `id`. */
function initialList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) =>
    typeof item === 'object' && item !== null ? String((item as { id?: unknown }).id) : String(item),
  );
}

function initialText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value) || isFile(value)) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 16);
  return String(value);
}
