import { Value } from '@sinclair/typebox/value';
import { type FieldError, ValidationError } from '../../core/index.js';
import { columnFields, type DbContext } from '../context.js';
import type { FieldMeta } from '../meta.js';
import type { AnyModel } from '../model.js';
import { maxLengthOf, SLUG_PATTERN, TIME_PATTERN } from '../schemas.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SLUG = new RegExp(SLUG_PATTERN);
const TIME = new RegExp(TIME_PATTERN);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const INT32 = 2 ** 31;

/** A validated write: column values by attribute and many-to-many keys by field name. */
export interface ValidatedInput {
  values: Record<string, unknown>;
  manyToMany: Record<string, unknown[]>;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A real calendar date in YYYY-MM-DD, checked with arithmetic (no Date per value). */
function isValidDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

/** Length in characters (code points), counted only when the UTF-16 length could exceed `max`. */
function exceeds(s: string, max: number): boolean {
  if (s.length <= max) return false;
  let count = 0;
  for (const _ of s) if (++count > max) return true;
  return false;
}

const fail = (error: string) => ({ error });

/** Checks one value against its field; returns the normalised value or an error message. */
function check(
  ctx: DbContext,
  model: AnyModel,
  field: FieldMeta,
  value: unknown,
): { value: unknown } | { error: string } {
  switch (field.kind) {
    case 'string':
    case 'text':
    case 'email':
    case 'url':
    case 'slug':
    case 'enum':
    case 'uuid':
    case 'date':
    case 'time': {
      if (typeof value !== 'string') return fail('Must be a string.');
      const s = value;
      const max = maxLengthOf(field);
      if (max !== null && exceeds(s, max)) return fail(`Ensure this value has at most ${max} characters.`);
      if (field.kind === 'email' && !EMAIL.test(s)) return fail('Enter a valid email address.');
      if (field.kind === 'url') {
        let ok = false;
        try {
          ok = ['http:', 'https:'].includes(new URL(s).protocol);
        } catch {}
        if (!ok) return fail('Enter a valid URL.');
      }
      if (field.kind === 'slug' && !SLUG.test(s))
        return fail('Enter a valid slug (letters, numbers, underscores or hyphens).');
      if (field.kind === 'uuid' && !UUID.test(s)) return fail('Enter a valid UUID.');
      if (field.kind === 'date' && !isValidDate(s)) return fail('Enter a valid date (YYYY-MM-DD).');
      if (field.kind === 'time' && !TIME.test(s)) return fail('Enter a valid time (HH:MM[:SS]).');
      if (field.kind === 'enum' && !field.choices?.some((c) => c.value === s)) {
        return fail(`Must be one of: ${field.choices?.map((c) => c.value).join(', ')}.`);
      }
      return { value: s };
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail('Must be an integer.');
      if (value >= INT32 || value < -INT32) return fail('Must be a 32-bit integer.');
      return { value };
    case 'bigInteger':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail('Must be a safe integer.');
      return { value };
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail('Must be a number.');
      return { value };
    case 'decimal': {
      const s = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
      const m = typeof s === 'string' ? DECIMAL.exec(s) : null;
      if (!m) return fail('Must be a decimal number written as a string, e.g. "19.90".');
      const whole = m[2]!.replace(/^0+(?=\d)/, '');
      const fraction = m[3] ?? '';
      const scale = field.scale ?? 0;
      const precision = field.precision ?? 38;
      if (fraction.length > scale) return fail(`Ensure there are no more than ${scale} decimal places.`);
      if (whole.length > precision - scale)
        return fail(`Ensure there are no more than ${precision - scale} digits before the decimal point.`);
      return { value: s };
    }
    case 'boolean':
      return typeof value === 'boolean' ? { value } : fail('Must be a boolean.');
    case 'datetime': {
      const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
      if (!d || Number.isNaN(d.getTime())) return fail('Enter a valid date and time.');
      return { value: d };
    }
    case 'json': {
      const schema = model.fields[field.name]?.config.schema;
      if (schema && !Value.Check(schema, value)) {
        const first = Value.Errors(schema, value).First();
        return fail(
          first ? `Invalid JSON value at '${first.path || '/'}': ${first.message}` : 'Invalid JSON value.',
        );
      }
      return { value };
    }
    case 'file': {
      const v = value as { key?: unknown };
      return typeof v === 'object' && v !== null && typeof v.key === 'string'
        ? { value }
        : fail('Must be a file reference with a key.');
    }
    case 'belongsTo': {
      const pk = ctx.registry.target(model, field.name).meta.primaryKey.type;
      if (pk === 'uuid')
        return typeof value === 'string' && UUID.test(value) ? { value } : fail('Enter a valid UUID.');
      return typeof value === 'number' && Number.isInteger(value)
        ? { value }
        : fail('Must be an integer id.');
    }
    default:
      return { value };
  }
}

function runValidators(model: AnyModel, field: FieldMeta, value: unknown): string | undefined {
  const validators = model.fields[field.name]?.config.validators ?? [];
  for (const validator of validators) {
    const message = (validator as (v: unknown) => string | undefined)(value);
    if (message) return message;
  }
  return undefined;
}

/** What a model accepts in a write, worked out once per model (validation runs on every write). */
interface WriteShape {
  /** Attributes of writable columns and names of many-to-many fields. */
  known: Set<string>;
  manyToMany: FieldMeta[];
}

const shapes = new WeakMap<AnyModel, WriteShape>();

function writeShape(model: AnyModel): WriteShape {
  let shape = shapes.get(model);
  if (!shape) {
    const manyToMany = Object.values(model.meta.fields).filter((f) => f.kind === 'manyToMany');
    const known = new Set<string>();
    for (const field of columnFields(model)) if (!field.auto) known.add(field.attribute!);
    for (const field of manyToMany) known.add(field.name);
    shape = { known, manyToMany };
    shapes.set(model, shape);
  }
  return shape;
}

/**
 * Validates a create (`partial: false`) or update (`partial: true`) input, applying
 * defaults on create, and throws one {@link ValidationError} listing every field error.
 */
export function validateInput(
  ctx: DbContext,
  model: AnyModel,
  data: Record<string, unknown>,
  partial: boolean,
): ValidatedInput {
  const errors: FieldError[] = [];
  const values: Record<string, unknown> = {};
  const manyToMany: Record<string, unknown[]> = {};
  const shape = writeShape(model);
  for (const field of columnFields(model)) {
    if (field.auto) continue;
    const key = field.attribute!;
    let value = data[key];
    if (field.primaryKey) {
      if (value === undefined || partial) continue;
    }
    if (value === undefined) {
      if (partial) continue;
      if (field.default.kind !== 'none') {
        const d = model.fields[field.name]?.config.default;
        value = typeof d === 'function' ? (d as () => unknown)() : d;
      } else if (field.primaryKey && field.kind === 'uuid') {
        value = crypto.randomUUID();
      } else if (field.nullable) {
        values[key] = null;
        continue;
      } else {
        errors.push({ pointer: `/${key}`, detail: 'This field is required.', code: 'required' });
        continue;
      }
    }
    if (value === null) {
      if (field.nullable) values[key] = null;
      else errors.push({ pointer: `/${key}`, detail: 'This field may not be null.', code: 'null' });
      continue;
    }
    const result = check(ctx, model, field, value);
    if ('error' in result) {
      errors.push({ pointer: `/${key}`, detail: result.error, code: 'invalid' });
      continue;
    }
    const message = runValidators(model, field, result.value);
    if (message) errors.push({ pointer: `/${key}`, detail: message, code: 'invalid' });
    else values[key] = result.value;
  }
  if (model.meta.primaryKey.type === 'uuid' && !partial && values.id === undefined)
    values.id = crypto.randomUUID();
  for (const field of shape.manyToMany) {
    const value = data[field.name];
    if (value === undefined) continue;
    if (!Array.isArray(value))
      errors.push({ pointer: `/${field.name}`, detail: 'Must be a list of ids.', code: 'invalid' });
    else manyToMany[field.name] = value;
  }
  for (const key of Object.keys(data)) {
    if (!shape.known.has(key) && data[key] !== undefined)
      errors.push({ pointer: `/${key}`, detail: 'Unknown field.', code: 'unknown' });
  }
  if (errors.length) throw new ValidationError(errors, `Invalid ${model.meta.label}`);
  return { values, manyToMany };
}
