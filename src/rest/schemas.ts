import { type TObject, type TSchema, Type as t } from '@sinclair/typebox';
import type { AnyModel } from '../db/index.js';
import { type FieldPlan, INCLUDE_MAX_ITEMS, type IncludePlan, type NestedPlan } from '../ops/internal.js';
import { guardInput, isWide } from './guard.js';
import type { PaginationOptions } from './options.js';
import { requiredSchema } from './plan.js';

/** `order_line` → `OrderLine`. */
export function pascal(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_\s-]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join('');
}

const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean']);

/**
 * `anyOf: [{ type: 'string', ... }, { type: 'null' }]` as `type: ['string', 'null']`: the
 * same values and the same OpenAPI 3.1 meaning, but the response serializer writes it
 * without running a validator per value to pick the branch.
 */
function flatNullable(schema: TSchema): TSchema {
  const branches = (schema as { anyOf?: TSchema[] }).anyOf;
  if (branches?.length !== 2 || branches[1]?.type !== 'null') return schema;
  const value = branches[0] as TSchema & { type?: unknown };
  if (typeof value.type !== 'string' || !SCALAR_TYPES.has(value.type) || 'anyOf' in value) return schema;
  const { anyOf: _anyOf, ...annotations } = schema as TSchema & { anyOf: unknown };
  const { type, ...rest } = value;
  return t.Unsafe({ ...annotations, ...rest, type: [type, 'null'] });
}

/** A field's schema in a representation. */
function property(model: AnyModel, attribute: string): TSchema {
  const read = model.schemas.read.properties as Record<string, TSchema>;
  const write = model.schemas.create.properties as Record<string, TSchema>;
  return requiredSchema((read[attribute] ?? write[attribute])!);
}

function shown(model: AnyModel, attribute: string): TSchema {
  return flatNullable(property(model, attribute));
}

function includeSchema(plan: IncludePlan): TSchema {
  const props: Record<string, TSchema> = {};
  for (const field of plan.fields) props[field] = shown(plan.model, field);
  for (const child of plan.children) props[child.name] = t.Optional(includeSchema(child));
  const object = t.Object(props, { title: plan.model.meta.label });
  if (plan.many)
    return t.Array(object, {
      maxItems: INCLUDE_MAX_ITEMS,
      description: `At most ${INCLUDE_MAX_ITEMS.toLocaleString('en')}; list them for more`,
    });
  return plan.nullable ? t.Union([object, t.Null()]) : object;
}

/**
 * One child of a nested write in a body: the fields a caller may set (the new child's
 * required ones required unless a hook may set them: none are, so hooks can fill them);
 * on update an optional `id` names an existing child.
 */
function childSchema(nested: NestedPlan, creating: boolean): TObject {
  const fields: Record<string, TSchema> = {};
  if (!creating) fields.id = t.Optional(property(nested.model, 'id'));
  for (const attribute of nested.fields) {
    const schema = guardInput(property(nested.model, attribute), isWide(nested.model, attribute));
    fields[attribute] = creating && nested.required.includes(attribute) ? schema : t.Optional(schema);
  }
  return t.Object(fields, { title: nested.model.meta.label, additionalProperties: false });
}

/** The schemas of a resource's representations and bodies. */
export interface ResourceSchemas {
  read: TObject;
  create: TObject;
  update: TObject;
  patch: TObject;
}

/**
 * The object schema, and the create (required fields required), PUT (the same) and PATCH
 * (nothing required) bodies; bodies refuse any other property (no mass assignment).
 */
export function buildSchemas(plan: FieldPlan, name: string, sparse: boolean): ResourceSchemas {
  const props: Record<string, TSchema> = {};
  for (const attribute of plan.readable) {
    const schema = shown(plan.model, attribute);
    const optional = plan.readRules.has(attribute) || (sparse && attribute !== 'id');
    props[attribute] = optional ? t.Optional(schema) : schema;
  }
  for (const [key, field] of Object.entries(plan.computed)) {
    const optional = plan.readRules.has(key) || sparse;
    props[key] = optional ? t.Optional(field.schema) : field.schema;
  }
  for (const include of plan.includes) props[include.name] = t.Optional(includeSchema(include));
  const body = (required: readonly string[], id: string, creating: boolean) => {
    const fields: Record<string, TSchema> = {};
    for (const attribute of plan.writable) {
      const schema = guardInput(property(plan.model, attribute), isWide(plan.model, attribute));
      fields[attribute] = required.includes(attribute) ? schema : t.Optional(schema);
    }
    for (const nested of plan.nested) {
      const list = t.Array(childSchema(nested, creating), {
        ...(creating && nested.min > 0 ? { minItems: nested.min } : {}),
        maxItems: nested.max,
      });
      fields[nested.name] = creating && nested.min > 0 ? list : t.Optional(list);
    }
    return t.Object(fields, { $id: id, additionalProperties: false });
  };
  return {
    read: t.Object(props, { $id: name, title: plan.model.meta.label }),
    create: body(plan.required, `${name}Create`, true),
    update: body(plan.required, `${name}Update`, false),
    patch: body([], `${name}Patch`, false),
  };
}

/**
 * The list envelope: `{ count, countIsEstimate?, next, previous, results }` (no `count` with
 * cursors, nor with `count: 'none'`).
 */
export function pageSchema(
  item: TObject,
  name: string,
  pagination: PaginationOptions | false,
  count: 'exact' | 'estimate' | 'none' = 'exact',
): TSchema {
  if (pagination === false) return t.Array(item, { $id: `${name}List` });
  // A link repeats the request's URL (within Node's 16 KiB header limit) with a new page or cursor.
  const link = (description: string) =>
    t.Unsafe<string | null>({ type: ['string', 'null'], format: 'uri', maxLength: 20_000, description });
  const envelope: Record<string, TSchema> = {};
  if (pagination.style === 'page' && count !== 'none')
    envelope.count = t.Integer({
      description:
        count === 'estimate'
          ? 'Matching objects in all pages: exact, or an estimate when countIsEstimate is true'
          : 'Matching objects in all pages',
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    });
  if (pagination.style === 'page' && count === 'estimate')
    envelope.countIsEstimate = t.Optional(
      t.Literal(true, {
        description: 'Present when more objects match than are counted exactly: count is then an estimate',
      }),
    );
  envelope.next = link('URL of the next page; null on the last');
  envelope.previous = link('URL of the previous page; null on the first');
  // A page holds at most the largest page size a caller may ask for.
  envelope.results = t.Array(item, { maxItems: pagination.maxPageSize ?? 100 });
  return t.Object(envelope, { $id: `${name}Page` });
}
