import type { TSchema } from '@sinclair/typebox';

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A plain JSON copy of a TypeBox schema (symbols dropped). With `strict`, every object
 * schema that does not say otherwise refuses unknown properties — how request bodies
 * are checked, so that no undeclared field is silently accepted.
 */
export function plainSchema(
  schema: TSchema,
  options: { strict?: boolean; keepIds?: boolean } = {},
): JsonObject {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isObject(node)) return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$id' && !options.keepIds) continue;
      out[key] = key === 'properties' && isObject(value) ? mapValues(value, walk) : walk(value);
    }
    if (
      options.strict &&
      out.type === 'object' &&
      out.additionalProperties === undefined &&
      out.patternProperties === undefined
    ) {
      out.additionalProperties = false;
    }
    return out;
  };
  return walk(schema) as JsonObject;
}

function mapValues(object: JsonObject, fn: (value: unknown) => unknown): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) out[key] = fn(value);
  return out;
}

/** Merges the properties of several object schemas into one (an endpoint's query plus its dependencies'). */
export function mergeObjectSchemas(schemas: readonly (TSchema | undefined)[]): JsonObject | undefined {
  const present = schemas.filter((s): s is TSchema => s !== undefined).map((s) => plainSchema(s));
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  const properties: JsonObject = {};
  const required = new Set<string>();
  for (const schema of present) {
    Object.assign(properties, schema.properties as JsonObject);
    for (const name of (schema.required as string[] | undefined) ?? []) required.add(name);
  }
  return { type: 'object', properties, ...(required.size > 0 ? { required: [...required] } : {}) };
}
