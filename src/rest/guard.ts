import type { TSchema } from '@sinclair/typebox';
import type { AnyModel } from '../db/index.js';

type Json = Record<string, unknown>;

/** PostgreSQL `integer` (keys, `f.integer()`): a larger number would be a database error. */
const INT32 = { minimum: -2_147_483_648, maximum: 2_147_483_647 };
/** `f.bigInteger()`: what a JavaScript number holds exactly. */
const SAFE_INTEGER = { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
/** PostgreSQL text cannot hold NUL. */
const NO_NUL = '^[^\\u0000]*$';
/** There is no year 0 in PostgreSQL's calendar. */
const NO_YEAR_ZERO = '^(?!0000)';

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Narrows an input schema to what every database stores: integers within the column's
 * range, no NUL in text, no year 0 in dates. Values past them are then a 400 naming the
 * field, never a database error (a 500). Symbols of TypeBox schemas are kept.
 */
export function guardInput<T extends TSchema | Json>(schema: T, wide = false): T {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isObject(node)) return node;
    const out: Json = { ...node };
    if (Array.isArray(out.anyOf)) out.anyOf = out.anyOf.map(walk);
    if (out.items !== undefined) out.items = walk(out.items);
    const types = Array.isArray(out.type) ? out.type : [out.type];
    if (types.includes('integer') && out.minimum === undefined && out.maximum === undefined)
      Object.assign(out, wide ? SAFE_INTEGER : INT32);
    if (types.includes('string') && out.pattern === undefined && out.const === undefined) {
      if (out.format === 'date' || out.format === 'date-time') out.pattern = NO_YEAR_ZERO;
      else if (out.format === undefined) out.pattern = NO_NUL;
    }
    return out;
  };
  return walk(schema) as T;
}

/** Whether a field's integers are 64-bit (`f.bigInteger()`). */
export function isWide(model: AnyModel, attribute: string): boolean {
  return Object.values(model.meta.fields).some((f) => f.attribute === attribute && f.kind === 'bigInteger');
}
