import type { DbContext } from '../context.js';
import { InvalidQueryError } from '../errors.js';
import type { FieldMeta } from '../meta.js';
import type { AnyModel } from '../model.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/;

function invalid(field: FieldMeta, value: unknown): never {
  throw new InvalidQueryError(`Invalid value ${JSON.stringify(value)} for filter on '${field.attribute}'`);
}

function number(field: FieldMeta, value: unknown, integer: boolean): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
    invalid(field, value);
  return n;
}

/**
 * Checks and coerces one filter value to the field's JS type, so untyped input (query
 * strings) gives a 400 `InvalidQueryError` rather than a database error.
 */
export function filterValue(ctx: DbContext, model: AnyModel, field: FieldMeta, value: unknown): unknown {
  let kind = field.kind;
  if (kind === 'belongsTo') kind = ctx.registry.target(model, field.name).meta.primaryKey.type;
  switch (kind) {
    case 'integer':
    case 'bigInteger':
      return number(field, value, true);
    case 'float':
      return number(field, value, false);
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && DECIMAL.test(value)) return value;
      return invalid(field, value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return invalid(field, value);
    case 'uuid':
      return typeof value === 'string' && UUID.test(value) ? value : invalid(field, value);
    case 'date':
      return typeof value === 'string' && DATE.test(value) ? value : invalid(field, value);
    case 'time':
      return typeof value === 'string' && TIME.test(value) ? value : invalid(field, value);
    case 'datetime': {
      const d = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
      return d && !Number.isNaN(d.getTime()) ? d : invalid(field, value);
    }
    case 'json':
    case 'file':
      return invalid(field, value);
    default:
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
      return invalid(field, value);
  }
}
