import type { FieldMeta } from '../db/index.js';
import type { Html, Translator } from '../views/index.js';
import { type AdminModel, metaOf } from './registry.js';

const LABEL_KEYS = ['name', 'title', 'email', 'username', 'label', 'slug', 'code'];

/** The label of an object: its name, title, email… or `Book #3`. */
export function objectLabel(
  entry: Pick<AdminModel, 'model'>,
  row: Readonly<Record<string, unknown>>,
): string {
  for (const key of LABEL_KEYS) {
    const value = row[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return `${entry.model.meta.label} #${String(row.id)}`;
}

/** A field's label: its own (`label`), else the humanized name. */
export function fieldLabel(entry: AdminModel, attribute: string): string {
  return metaOf(entry.model, attribute)?.label ?? attribute;
}

const UTC_DATE: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeZone: 'UTC' };
const UTC_DATETIME: Intl.DateTimeFormatOptions = {
  dateStyle: 'medium',
  timeStyle: 'medium',
  timeZone: 'UTC',
};

/**
 * A value as text for lists, read-only fields and history (never markup: the renderer
 * escapes it). With a translator, booleans, numbers and dates are in the page's language
 * (dates in UTC, as the forms show them); without (CSV), they are as stored.
 */
export function displayValue(meta: FieldMeta | undefined, value: unknown, t?: Translator): string {
  if (value === null || value === undefined) return '—';
  if (isStoredFile(value)) return value.name ?? value.key.split('/').pop() ?? value.key;
  if (meta?.kind === 'boolean' || typeof value === 'boolean')
    return t ? t.t(value ? 'admin.yes' : 'admin.no') : value ? 'Yes' : 'No';
  if (meta?.kind === 'enum') return meta.choices?.find((c) => c.value === value)?.label ?? String(value);
  if (t && typeof value === 'number') return t.number(value);
  if (t && typeof value === 'string' && (meta?.kind === 'date' || meta?.kind === 'datetime')) {
    const date = new Date(meta.kind === 'date' ? `${value.slice(0, 10)}T00:00:00Z` : value);
    if (!Number.isNaN(date.getTime())) return t.date(date, meta.kind === 'date' ? UTC_DATE : UTC_DATETIME);
  }
  if (value instanceof Date) {
    if (t) return t.date(value, meta?.kind === 'date' ? UTC_DATE : UTC_DATETIME);
    return meta?.kind === 'date' ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A stored file of a file field (`{ key, name, contentType, ... }`). */
export function isStoredFile(value: unknown): value is { key: string; name?: string; contentType?: string } {
  return typeof value === 'object' && value !== null && typeof (value as { key?: unknown }).key === 'string';
}

/** A value as an input's `value`. */
export function inputValue(meta: FieldMeta, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (meta.kind === 'json') return JSON.stringify(value, null, 2);
  if (value instanceof Date) {
    if (meta.kind === 'date') return value.toISOString().slice(0, 10);
    return value.toISOString().slice(0, 19);
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The form control of one field: a widget per kind. */
export function Widget(props: {
  meta: FieldMeta;
  name: string;
  value: string;
  required: boolean;
  invalid: boolean;
}): Html {
  const { meta, name, value } = props;
  const common = {
    id: `id_${name}`,
    name,
    required: props.required,
    'aria-invalid': props.invalid ? 'true' : undefined,
    'aria-describedby': props.invalid ? `err_${name}` : meta.help ? `help_${name}` : undefined,
  };
  switch (meta.kind) {
    case 'boolean':
      return (
        <input type="checkbox" {...common} required={false} checked={value === 'true' || value === 'on'} />
      );
    case 'enum':
      return (
        <select {...common}>
          {meta.nullable || !props.required ? <option value="">---------</option> : null}
          {(meta.choices ?? []).map((c) => (
            <option value={c.value} selected={c.value === value}>
              {c.label}
            </option>
          ))}
        </select>
      );
    case 'text':
    case 'json':
      return <textarea {...common}>{value}</textarea>;
    case 'integer':
    case 'float':
      return <input type="number" step={meta.kind === 'float' ? 'any' : '1'} {...common} value={value} />;
    case 'decimal':
      return <input type="text" inputmode="decimal" {...common} value={value} />;
    case 'date':
      return <input type="date" {...common} value={value} />;
    case 'datetime':
      return (
        <>
          <input type="datetime-local" step="1" {...common} value={value} /> <span class="help">UTC</span>
        </>
      );
    case 'time':
      return <input type="time" {...common} value={value} />;
    case 'email':
      return <input type="email" {...common} value={value} maxlength={meta.max ?? undefined} />;
    case 'url':
      return <input type="url" {...common} value={value} maxlength={meta.max ?? undefined} />;
    case 'belongsTo':
      return <input type="text" inputmode="numeric" {...common} value={value} />;
    default:
      return <input type="text" {...common} value={value} maxlength={meta.max ?? undefined} />;
  }
}
