import { isBasaltError } from '../../core/index.js';
import type { DbContext } from '../context.js';
import type { FieldMeta } from '../meta.js';
import type { AnyModel } from '../model.js';
import { validateInput } from '../operations/validate.js';
import { isAutoManyToMany } from './data-context.js';
import { FixtureError } from './errors.js';

/** A fixture record checked against its model, ready to write (internal). */
export interface PreparedRecord {
  index: number;
  model: AnyModel;
  /** The given primary key, or `undefined` to let the database pick one. */
  pk: unknown;
  /** Column values by attribute, validated, with timestamps. */
  values: Record<string, unknown>;
  /** Many-to-many keys by field name. */
  manyToMany: Record<string, unknown[]>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The model a record names: exact name first, then case-insensitively. */
export function findModel(ctx: DbContext, name: string): AnyModel | undefined {
  const all = ctx.registry.all();
  return all.find((m) => m.name === name) ?? all.find((m) => m.name.toLowerCase() === name.toLowerCase());
}

function fieldFor(model: AnyModel, key: string): FieldMeta | undefined {
  return model.meta.fields[key] ?? Object.values(model.meta.fields).find((f) => f.attribute === key);
}

function fieldNameOf(model: AnyModel, pointer: string | undefined): string | undefined {
  const key = pointer?.replace(/^\//, '').split('/')[0];
  if (!key) return undefined;
  return fieldFor(model, key)?.name ?? key;
}

/** Checks the shape of one record and validates its values through the model's write validation. */
export function prepareRecord(ctx: DbContext, raw: unknown, index: number): PreparedRecord {
  if (!isObject(raw) || typeof raw.model !== 'string')
    throw new FixtureError('BASALT_FIXTURE_MALFORMED', 'Expected an object with "model", "pk" and "fields"', {
      index,
    });
  const at = { index, model: raw.model, pk: raw.pk };
  const pk = raw.pk ?? undefined;
  if (pk !== undefined && typeof pk !== 'number' && typeof pk !== 'string')
    throw new FixtureError('BASALT_FIXTURE_MALFORMED', '"pk" must be a number, a string or null', at);
  const fields = raw.fields ?? {};
  if (!isObject(fields)) throw new FixtureError('BASALT_FIXTURE_MALFORMED', '"fields" must be an object', at);
  const model = findModel(ctx, raw.model);
  if (!model) {
    const known = ctx.registry
      .all()
      .map((m) => m.name)
      .join(', ');
    throw new FixtureError('BASALT_FIXTURE_UNKNOWN_MODEL', `Unknown model; known models: ${known}`, at);
  }

  const data: Record<string, unknown> = {};
  const stamps: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const field = fieldFor(model, key);
    const here = { ...at, field: key };
    if (!field) {
      const known = Object.keys(model.meta.fields).filter((k) => k !== 'id');
      throw new FixtureError(
        'BASALT_FIXTURE_UNKNOWN_FIELD',
        `Unknown field; known fields: ${known.join(', ')}`,
        here,
      );
    }
    if (field.primaryKey)
      throw new FixtureError(
        'BASALT_FIXTURE_UNKNOWN_FIELD',
        'Give the primary key as "pk", not in "fields"',
        here,
      );
    if (field.kind === 'hasMany' || (field.kind === 'manyToMany' && !isAutoManyToMany(field)))
      throw new FixtureError(
        'BASALT_FIXTURE_UNKNOWN_FIELD',
        'This relation is stored by the other model (or its join model); load those records instead',
        here,
      );
    if (field.auto) {
      const date = typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
      if (!date || Number.isNaN(date.getTime()))
        throw new FixtureError('BASALT_FIXTURE_INVALID_VALUE', 'Enter a valid date and time.', {
          ...here,
          field: field.name,
        });
      stamps[field.attribute!] = date;
    } else if (field.kind === 'manyToMany') {
      if (!Array.isArray(value) || !value.every((k) => typeof k === 'number' || typeof k === 'string'))
        throw new FixtureError('BASALT_FIXTURE_INVALID_VALUE', 'Must be a list of primary keys.', {
          ...here,
          field: field.name,
        });
      data[field.name] = value;
    } else {
      data[field.attribute!] = value;
    }
  }
  if (pk !== undefined) data.id = pk;

  let validated: ReturnType<typeof validateInput>;
  try {
    validated = validateInput(ctx, model, data, false);
  } catch (error) {
    if (!isBasaltError(error) || !error.errors?.length) throw error;
    const [first, ...rest] = error.errors;
    const more = rest.map((e) => ` Also field '${fieldNameOf(model, e.pointer)}': ${e.detail}`).join('');
    throw new FixtureError('BASALT_FIXTURE_INVALID_VALUE', `${first!.detail}${more}`, {
      ...at,
      field: fieldNameOf(model, first!.pointer),
    });
  }
  if (model.meta.timestamps) {
    const now = new Date();
    stamps.createdAt ??= now;
    stamps.updatedAt ??= now;
  }
  return {
    index,
    model,
    pk,
    values: { ...validated.values, ...stamps },
    manyToMany: validated.manyToMany,
  };
}
