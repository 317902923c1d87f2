import type { TSchema } from '@sinclair/typebox';
import type { FieldMeta } from '../db/index.js';
import { t } from '../http/index.js';
import type { Translator } from '../views/index.js';
import { type AdminModel, metaOf } from './registry.js';

/** The hidden field carrying the version (entity tag) of the object a change form was rendered from. */
export const VERSION_FIELD = '_version';

/** The checkbox that removes a file field's file (`cover__clear`). */
export function clearField(attribute: string): string {
  return `${attribute}__clear`;
}

/** The input adding related objects to a many-to-many relation by id (`tags__add`). */
export function addField(attribute: string): string {
  return `${attribute}__add`;
}

/** The admin's editable many-to-many relations of a model. */
export function manyToManyFields(entry: AdminModel): string[] {
  return entry.editable.filter((a) => metaOf(entry.model, a)?.kind === 'manyToMany');
}

const KEY = /^(\d{1,15}|[0-9a-fA-F-]{36})$/;

/** The admin's editable file fields of a model. */
export function fileFields(entry: AdminModel): string[] {
  return entry.editable.filter((a) => metaOf(entry.model, a)?.kind === 'file');
}

/** The TypeBox schema of one field's form value, or undefined for a field the forms do not edit. */
function fieldSchema(meta: FieldMeta, required: boolean): TSchema {
  const blankable = meta.nullable || meta.default.kind !== 'none';
  let schema: TSchema;
  switch (meta.kind) {
    case 'integer':
      schema = t.Integer();
      break;
    case 'float':
      schema = t.Number();
      break;
    case 'bigInteger':
      schema = t.String({ pattern: '^-?\\d+$' });
      break;
    case 'decimal':
      schema = t.String({ pattern: '^-?\\d+(\\.\\d+)?$' });
      break;
    case 'boolean':
      schema = t.Boolean();
      break;
    case 'enum':
      schema = t.String({ enum: (meta.choices ?? []).map((c) => c.value) });
      break;
    case 'date':
      schema = t.String({ format: 'date' });
      break;
    case 'datetime':
      schema = t.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?$',
      });
      break;
    case 'time':
      schema = t.String({ pattern: '^\\d{2}:\\d{2}(:\\d{2})?$' });
      break;
    case 'belongsTo':
      // The related row's key: digits (integer keys) or a UUID; the write checks that it exists.
      schema = t.String({ pattern: '^(\\d{1,18}|[0-9a-fA-F-]{36})$' });
      break;
    default:
      schema = t.String(
        meta.max !== null
          ? { maxLength: meta.max, ...(blankable ? {} : { minLength: 1 }) }
          : blankable
            ? {}
            : { minLength: 1 },
      );
  }
  // A blank box of an optional field is no value (null), whatever the kind's own pattern.
  if (meta.nullable && meta.kind !== 'boolean') schema = t.Union([schema, t.Null()]);
  return required ? schema : t.Optional(schema);
}

/** The form schema of a model's add (`create`) or change form. */
export function formSchema(
  entry: AdminModel,
  create: boolean,
  extra: Readonly<Record<string, TSchema>> = {},
): TSchema {
  const required = new Set(create ? entry.runtime.plan.required : []);
  const properties: Record<string, TSchema> = {};
  const createSchema = entry.model.schemas.create as { properties: Record<string, TSchema> };
  for (const attribute of entry.editable) {
    const meta = metaOf(entry.model, attribute)!;
    if (meta.kind === 'file') {
      // The stored file (views' uploads put it there), optional: a change without a new file keeps the old one.
      const stored = createSchema.properties[attribute];
      if (stored) properties[attribute] = t.Optional(stored);
      if (meta.nullable) properties[clearField(attribute)] = t.Optional(t.Boolean());
      continue;
    }
    if (meta.kind === 'manyToMany') {
      // The ticked related objects (the whole set: none ticked empties it) and more by id.
      properties[attribute] = t.Optional(t.Array(t.String({ pattern: KEY.source }), { maxItems: 1000 }));
      properties[addField(attribute)] = t.Optional(t.String({ maxLength: 2000 }));
      continue;
    }
    properties[attribute] = fieldSchema(meta, required.has(attribute) && meta.kind !== 'boolean');
  }
  properties[VERSION_FIELD] = t.Optional(t.String({ maxLength: 200 }));
  return t.Object({ ...properties, ...extra });
}

/** The write a valid form becomes (only `fields`, those the form showed the user): blanks of nullable fields are null, JSON parsed, datetimes made dates. */
export function formData(
  entry: AdminModel,
  fields: readonly string[],
  data: Readonly<Record<string, unknown>>,
  values: Readonly<Record<string, string>>,
  i18n: Translator,
): { data: Record<string, unknown>; errors: Record<string, string> } {
  const out: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const attribute of fields) {
    const meta = metaOf(entry.model, attribute)!;
    if (meta.kind === 'file') {
      // A new file replaces the old; "remove" empties a nullable field; neither keeps it.
      if (data[attribute] !== undefined) out[attribute] = data[attribute];
      else if (meta.nullable && data[clearField(attribute)] === true) out[attribute] = null;
      continue;
    }
    if (meta.kind === 'manyToMany') {
      const ticked = Array.isArray(data[attribute]) ? (data[attribute] as string[]) : [];
      const added = (values[addField(attribute)] ?? '').split(/[\s,]+/).filter((id) => id !== '');
      if (added.some((id) => !KEY.test(id))) {
        errors[attribute] = i18n.t('admin.form.m2m.invalid');
        continue;
      }
      out[attribute] = [...new Set([...ticked, ...added])].map((id) => (/^\d+$/.test(id) ? Number(id) : id));
      continue;
    }
    const raw = values[attribute];
    if (raw === undefined && meta.kind !== 'boolean') continue;
    if (raw === '' && meta.nullable && meta.kind !== 'boolean') {
      out[attribute] = null;
      continue;
    }
    const value = data[attribute];
    if (value === undefined && meta.kind !== 'boolean') continue;
    if (meta.kind === 'json') {
      try {
        out[attribute] = JSON.parse(String(value));
      } catch {
        errors[attribute] = i18n.t('admin.form.json');
      }
    } else if (meta.kind === 'datetime') {
      // The form shows and reads times in UTC (datetime-local has no zone): no zone means UTC.
      const text = String(value);
      const date = new Date(/(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`);
      if (Number.isNaN(date.getTime())) errors[attribute] = i18n.t('admin.form.datetime');
      else out[attribute] = date;
    } else if (meta.kind === 'belongsTo' && typeof value === 'string' && /^\d+$/.test(value))
      out[attribute] = Number(value);
    else out[attribute] = value;
  }
  return { data: out, errors };
}
