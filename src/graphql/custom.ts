import type { Static, TObject, TProperties, TSchema } from '@sinclair/typebox';
import {
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLList,
  type GraphQLNamedType,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  isOutputType,
  parseType,
  typeFromAST,
} from 'graphql';
import { BasaltError } from '../core/index.js';
import { scalarOfSchema, withoutNull } from './scalars.js';
import type { GraphQLContext } from './schema.js';
import { argsChecker } from './values.js';

type Json = Record<string, unknown>;

/**
 * The value a field of type `R` answers: a TypeBox schema's static type, or anything for a
 * type named by its GraphQL name (`'Book'`, `'[Book!]!'`: the generated object types).
 */
export type GraphQLResult<R> = R extends TSchema ? Static<R> : unknown;

/** A query or mutation of your own: TypeBox-typed arguments and answer, a typed resolver. */
export interface GraphQLFieldDefinition<A extends TObject = TObject<TProperties>, R = TSchema | string> {
  /** Shown in the schema (introspection, GraphiQL). */
  description?: string;
  /** The arguments, one per property (`t.Object({ limit: t.Integer({ maximum: 50 }) })`), checked before `resolve` runs. */
  args?: A;
  /**
   * The answer's type: a TypeBox schema (objects named by their `$id` or `title`), or the
   * GraphQL name of a type of the schema (`'Book'`, `'[Book!]!'`).
   */
  type: R;
  /** Runs with the checked arguments and the request's actor, database and logger (an endpoint's context). */
  resolve(args: Static<A>, context: GraphQLContext): GraphQLResult<R> | Promise<GraphQLResult<R>>;
}

/** Any custom field, as `queries` and `mutations` hold them. */
// biome-ignore lint/suspicious/noExplicitAny: the map holds fields of every argument and answer type
export type AnyGraphQLField = GraphQLFieldDefinition<any, any>;

/**
 * Declares a query of your own: its arguments and answer in TypeBox, its resolver typed from them.
 *
 * @example
 * const bestsellers = defineQuery({
 *   args: t.Object({ limit: t.Integer({ minimum: 1, maximum: 20 }) }),
 *   type: t.Array(t.Object({ title: t.String(), sold: t.Integer() }, { $id: 'Bestseller' })),
 *   resolve: async ({ limit }, { db }) => topSellers(db, limit),
 * });
 */
export function defineQuery<
  const A extends TObject = TObject<{}>,
  const R extends TSchema | string = TSchema,
>(field: GraphQLFieldDefinition<A, R>): GraphQLFieldDefinition<A, R> {
  return field;
}

/** Declares a mutation of your own, as {@link defineQuery} a query. */
export function defineMutation<
  const A extends TObject = TObject<{}>,
  const R extends TSchema | string = TSchema,
>(field: GraphQLFieldDefinition<A, R>): GraphQLFieldDefinition<A, R> {
  return field;
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** Copies GraphQL's null-prototype argument objects into plain ones, leaving out nulls of absent optionals. */
function plainArgs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainArgs);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plainArgs(v);
  return out;
}

/** Turns TypeBox schemas into GraphQL types, one named type per object schema. */
export class TypeBoxTypes {
  readonly #reserve: (name: string) => string;
  readonly #named: (name: string) => GraphQLNamedType | undefined;
  readonly #outputs = new Map<object, GraphQLObjectType>();
  readonly #inputs = new Map<object, GraphQLInputObjectType>();

  /**
   * @param reserve claims a type name (throws when it is taken)
   * @param named finds a type of the finished schema by name (for `'Book'` answers)
   */
  constructor(reserve: (name: string) => string, named: (name: string) => GraphQLNamedType | undefined) {
    this.#reserve = reserve;
    this.#named = named;
  }

  /** The output type of a schema; `hint` names an object schema without `$id` or `title`. */
  output(schema: TSchema | string, hint: string): GraphQLOutputType {
    if (typeof schema === 'string') {
      const type = typeFromAST({ getType: (n: string) => this.#named(n) } as never, parseType(schema));
      if (!type || !isOutputType(type))
        throw new BasaltError('BASALT_CONFIG_INVALID', `graphql: no output type '${schema}' in the schema`);
      return type;
    }
    const { schema: bare, nullable } = withoutNull(schema);
    const type = this.#outputOf(bare as Json | undefined, schema, hint);
    return nullable ? type : new GraphQLNonNull(type);
  }

  #outputOf(bare: Json | undefined, original: TSchema, hint: string): GraphQLOutputType {
    if (bare?.type === 'array') return new GraphQLList(this.output(bare.items as TSchema, `${hint}Item`));
    if (bare?.type === 'object' && bare.properties) {
      const key = original as object;
      const known = this.#outputs.get(key);
      if (known) return known;
      const properties = bare.properties as Record<string, TSchema>;
      const required = new Set((bare.required as string[] | undefined) ?? []);
      const name = this.#reserve(String(bare.$id ?? bare.title ?? hint));
      const type = new GraphQLObjectType({
        name,
        ...(typeof bare.description === 'string' ? { description: bare.description } : {}),
        fields: () =>
          Object.fromEntries(
            Object.entries(properties).map(([field, property]) => {
              const inner = this.output(property, `${name}${pascal(field)}`);
              const type = required.has(field) || !(inner instanceof GraphQLNonNull) ? inner : inner.ofType;
              return [field, { type }];
            }),
          ),
      });
      this.#outputs.set(key, type);
      return type;
    }
    return scalarOfSchema(bare);
  }

  /** The input type of a schema (an object schema becomes `<Name>Input`). */
  input(schema: TSchema, hint: string): GraphQLInputType {
    const { schema: bare, nullable } = withoutNull(schema);
    const type = this.#inputOf(bare as Json | undefined, schema, hint);
    return nullable ? type : new GraphQLNonNull(type);
  }

  #inputOf(bare: Json | undefined, original: TSchema, hint: string): GraphQLInputType {
    if (bare?.type === 'array') return new GraphQLList(this.input(bare.items as TSchema, `${hint}Item`));
    if (bare?.type === 'object' && bare.properties) {
      const known = this.#inputs.get(original);
      if (known) return known;
      const name = this.#reserve(`${String(bare.$id ?? bare.title ?? hint)}Input`);
      const type = new GraphQLInputObjectType({
        name,
        fields: () => this.#inputFields(bare, name),
      });
      this.#inputs.set(original, type);
      return type;
    }
    return scalarOfSchema(bare);
  }

  #inputFields(object: Json, owner: string): GraphQLInputFieldConfigMap {
    const required = new Set((object.required as string[] | undefined) ?? []);
    const fields: GraphQLInputFieldConfigMap = {};
    for (const [field, property] of Object.entries(object.properties as Record<string, TSchema>)) {
      const inner = this.input(property, `${owner.replace(/Input$/, '')}${pascal(field)}`);
      fields[field] = {
        type: required.has(field) || !(inner instanceof GraphQLNonNull) ? inner : inner.ofType,
        ...(typeof property.description === 'string' ? { description: property.description } : {}),
      };
    }
    return fields;
  }

  /**
   * A custom field's configuration: its arguments as GraphQL arguments, checked against the
   * TypeBox schema (a failure is BAD_USER_INPUT with one field error per problem) before the
   * resolver runs.
   */
  field(name: string, definition: AnyGraphQLField): GraphQLFieldConfig<unknown, GraphQLContext> {
    const hint = pascal(name);
    const args: GraphQLFieldConfigArgumentMap = {};
    const schema = definition.args as TObject | undefined;
    if (schema)
      for (const [arg, type] of Object.entries(this.#inputFields(schema as unknown as Json, `${hint}Input`)))
        args[arg] = type;
    const check = schema ? argsChecker(schema) : undefined;
    return {
      type: this.output(definition.type as TSchema | string, `${hint}Result`),
      ...(definition.description ? { description: definition.description } : {}),
      args,
      resolve: (_root, raw, context) => {
        const values = plainArgs(raw) as Json;
        if (check) check(values);
        return definition.resolve(values as never, context);
      },
    };
  }
}
