import type { TSchema } from '@sinclair/typebox';
import {
  GraphQLBoolean,
  GraphQLFloat,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  type GraphQLScalarType,
  GraphQLString,
  Kind,
  GraphQLScalarType as ScalarType,
  type ValueNode,
} from 'graphql';
import type { AnyModel } from '../db/index.js';
import { fieldMeta } from '../ops/internal.js';

type Json = Record<string, unknown>;

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value)]));
    default:
      return undefined;
  }
}

/** Any JSON value: the type of JSON fields, files and computed values without a GraphQL equivalent. */
export const GraphQLJson: GraphQLScalarType = new ScalarType({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node) => literal(node),
});

/** A date and time, written as ISO 8601 text (`2026-12-04T21:56:14.523Z`) as REST writes it. */
export const GraphQLDateTime: GraphQLScalarType = new ScalarType({
  name: 'DateTime',
  description: 'A date and time in ISO 8601 (`2026-12-04T21:56:14.523Z`).',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => {
    if (typeof value !== 'string') throw new TypeError('A DateTime is an ISO 8601 string');
    return value;
  },
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) throw new TypeError('A DateTime is an ISO 8601 string');
    return node.value;
  },
});

/** The schema without its null branch, and whether it had one. */
export function withoutNull(schema: TSchema | undefined): { schema: Json | undefined; nullable: boolean } {
  if (!schema) return { schema: undefined, nullable: true };
  const branches = (schema as Json).anyOf as Json[] | undefined;
  if (branches?.some((b) => b.type === 'null')) {
    const rest = branches.filter((b) => b.type !== 'null');
    return { schema: rest.length === 1 ? rest[0] : { anyOf: rest }, nullable: true };
  }
  if (Array.isArray((schema as Json).type) && ((schema as Json).type as string[]).includes('null'))
    return {
      schema: { ...(schema as Json), type: ((schema as Json).type as string[]).find((t) => t !== 'null') },
      nullable: true,
    };
  return { schema: schema as Json, nullable: false };
}

/** The GraphQL scalar of a JSON Schema value (integers past 32 bits are strings, as GraphQL's Int is 32-bit). */
export function scalarOfSchema(schema: Json | undefined, wide = false): GraphQLScalarType {
  switch (schema?.type) {
    case 'integer':
      return wide ? GraphQLString : GraphQLInt;
    case 'number':
      return GraphQLFloat;
    case 'boolean':
      return GraphQLBoolean;
    case 'string':
      return schema.format === 'date-time' ? GraphQLDateTime : GraphQLString;
    default: {
      // An enum (a union of string literals) reads and writes as a String.
      const branches = (schema?.anyOf ?? schema?.oneOf) as Json[] | undefined;
      if (branches?.length && branches.every((b) => typeof b.const === 'string' || b.type === 'string'))
        return GraphQLString;
      if (Array.isArray(schema?.enum) && schema.enum.every((v) => typeof v === 'string'))
        return GraphQLString;
      return GraphQLJson;
    }
  }
}

/** The GraphQL scalar of a model's attribute as read (`price` → String, `authorId` → Int). */
export function scalarOf(model: AnyModel, attribute: string, schema: TSchema | undefined): GraphQLScalarType {
  const kind = fieldMeta(model, attribute)?.kind;
  return scalarOfSchema(withoutNull(schema).schema, kind === 'bigInteger');
}

/** The input type of a writable attribute: a scalar, or a list of them (`tags: [Int!]`). */
export function inputOf(model: AnyModel, attribute: string, schema: TSchema | undefined): GraphQLInputType {
  const bare = withoutNull(schema).schema;
  if (bare?.type === 'array') {
    const item = scalarOfSchema(bare.items as Json | undefined);
    if (item !== GraphQLJson) return new GraphQLList(new GraphQLNonNull(item));
  }
  return scalarOf(model, attribute, schema);
}
