import { type TObject, type TSchema, Type as t } from '@sinclair/typebox';
import type { FieldMeta } from './meta.js';
import { pascalCase } from './meta.js';
import type { Model } from './model.js';

/** Pattern of a decimal string such as `-12.50`. */
export const DECIMAL_PATTERN = '^-?\\d+(\\.\\d+)?$';
/** Pattern of a slug. */
export const SLUG_PATTERN = '^[-a-zA-Z0-9_]+$';
/** Pattern of a time of day. */
export const TIME_PATTERN = '^([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,6})?)?$';

/**
 * The most characters a `text` field without its own `max` accepts: validation enforces it
 * and the JSON Schemas (so the OpenAPI document) declare it as `maxLength`.
 */
export const TEXT_MAX_LENGTH = 100_000;
/** The most ids one write may set on a many-to-many field (a 400 past it). */
export const MANY_TO_MANY_MAX_ITEMS = 1000;
/** Bounds of an `integer` field (a 32-bit column in PostgreSQL), enforced by validation. */
const INT32_BOUNDS = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
/** Bounds of an image's width or height in a file field's metadata. */
const PIXELS = { minimum: 1, maximum: 2 ** 31 - 1 };
/** Bounds of a `bigInteger` field: the integers a JavaScript number holds exactly. */
const SAFE_BOUNDS = { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };

/** The most characters a field's value may have, `null` for no bound. */
export function maxLengthOf(meta: FieldMeta): number | null {
  return meta.max ?? (meta.kind === 'text' ? TEXT_MAX_LENGTH : null);
}

function annotations(meta: FieldMeta): Record<string, unknown> {
  const a: Record<string, unknown> = { title: meta.label };
  if (meta.help) a.description = meta.help;
  if (meta.default.kind === 'value' && meta.default.value !== undefined) a.default = meta.default.value;
  return a;
}

function keySchema(type: 'integer' | 'uuid' | 'unknown', a: Record<string, unknown> = {}): TSchema {
  if (type === 'integer') return t.Integer({ ...a, ...INT32_BOUNDS });
  if (type === 'uuid') return t.String({ ...a, format: 'uuid', maxLength: 36 });
  return t.Union([t.Integer(INT32_BOUNDS), t.String({ format: 'uuid', maxLength: 36 })], a);
}

function targetKeyType(model: Model, meta: FieldMeta): 'integer' | 'uuid' | 'unknown' {
  const ref = model.fields[meta.name]?.config.target;
  if (ref === undefined) return 'unknown';
  if (typeof ref === 'string') return ref === model.name ? model.meta.primaryKey.type : 'unknown';
  const target = ref() as Partial<Model>;
  return target.meta?.primaryKey.type ?? 'unknown';
}

/** JSON Schema of one column-backed field's value (without nullability). */
export function valueSchema(model: Model, meta: FieldMeta): TSchema {
  const a = annotations(meta);
  const length = maxLengthOf(meta);
  const max = length === null ? {} : { maxLength: length };
  switch (meta.kind) {
    case 'string':
    case 'text':
      return t.String({ ...a, ...max });
    case 'email':
      return t.String({ ...a, ...max, format: 'email' });
    case 'url':
      return t.String({ ...a, ...max, format: 'uri' });
    case 'slug':
      return t.String({ ...a, ...max, pattern: SLUG_PATTERN });
    case 'integer':
      return t.Integer({ ...a, ...INT32_BOUNDS });
    case 'bigInteger':
      return t.Integer({ ...a, ...SAFE_BOUNDS });
    case 'float':
      return t.Number(a);
    case 'decimal':
      // Digits, a sign and a point.
      return t.String({ ...a, pattern: DECIMAL_PATTERN, maxLength: (meta.precision ?? 38) + 2 });
    case 'boolean':
      return t.Boolean(a);
    case 'date':
      return t.String({ ...a, format: 'date', maxLength: 10 });
    case 'datetime':
      return t.String({ ...a, format: 'date-time', maxLength: 35 });
    case 'time':
      return t.String({ ...a, pattern: TIME_PATTERN, maxLength: 15 });
    case 'uuid':
      return t.String({ ...a, format: 'uuid', maxLength: 36 });
    case 'enum':
      return t.Union(
        (meta.choices ?? []).map((c) => t.Literal(c.value, { title: c.label })),
        a,
      );
    case 'json':
      return model.fields[meta.name]?.config.schema ?? t.Unknown(a);
    case 'file':
      // The bounds basalt/storage keeps: keys of at most 1,024 characters, storage names of
      // 63, cleaned file names of 255, media types of 255 (RFC 6838), a SHA-256 in hex.
      return t.Object(
        {
          key: t.String({ minLength: 1, maxLength: 1024 }),
          storage: t.Optional(t.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 63 })),
          name: t.Optional(t.String({ maxLength: 255 })),
          size: t.Optional(t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
          contentType: t.Optional(t.String({ maxLength: 255 })),
          checksum: t.Optional(t.String({ pattern: '^[0-9a-f]{64}$', maxLength: 64 })),
          width: t.Optional(t.Integer(PIXELS)),
          height: t.Optional(t.Integer(PIXELS)),
        },
        a,
      );
    case 'belongsTo':
      return keySchema(targetKeyType(model, meta), a);
    default:
      return t.Unknown(a);
  }
}

function nullable(schema: TSchema, meta: FieldMeta): TSchema {
  return meta.nullable ? t.Union([schema, t.Null()]) : schema;
}

/** Builds the read, create and update schemas of a model (see {@link Model.schemas}). */
export function buildSchemas(model: Model): { read: TObject; create: TObject; update: TObject } {
  const name = pascalCase(model.name);
  const read: Record<string, TSchema> = {};
  const create: Record<string, TSchema> = {};
  const update: Record<string, TSchema> = {};
  for (const meta of Object.values(model.meta.fields)) {
    if (meta.kind === 'hasMany') continue;
    if (meta.kind === 'manyToMany') {
      const list = t.Array(keySchema('unknown'), { title: meta.label, maxItems: MANY_TO_MANY_MAX_ITEMS });
      if (!meta.readOnly) {
        create[meta.name] = t.Optional(list);
        update[meta.name] = t.Optional(list);
      }
      continue;
    }
    const key = meta.attribute!;
    const schema = nullable(valueSchema(model, meta), meta);
    if (!meta.writeOnly) read[key] = schema;
    if (meta.readOnly || meta.primaryKey || meta.auto) continue;
    const required = !meta.nullable && meta.default.kind === 'none';
    create[key] = required ? schema : t.Optional(schema);
    update[key] = t.Optional(schema);
  }
  return {
    read: t.Object(read, { $id: name, title: model.meta.label }),
    create: t.Object(create, { $id: `${name}Create`, additionalProperties: false }),
    update: t.Object(update, { $id: `${name}Update`, additionalProperties: false }),
  };
}
