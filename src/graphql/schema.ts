import type { TSchema } from '@sinclair/typebox';
import {
  GraphQLBoolean,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { BasaltError, isBasaltError, type Logger } from '../core/index.js';
import type { AnyModel, Executor } from '../db/index.js';
import type { Actor, Collection, OperationContext } from '../ops/index.js';
import {
  type CollectionRuntime,
  createObject,
  deleteObject,
  enforce,
  type IncludePlan,
  loadObject,
  requestedIncludes,
  runtimeOf,
  serialize,
  updateObject,
  viewOf,
  writtenView,
} from '../ops/internal.js';
import { type AnyGraphQLField, TypeBoxTypes } from './custom.js';
import type { GraphQLFieldError } from './errors.js';
import { fieldErrorsOf } from './errors.js';
import { RELATION_EXTENSIONS } from './limits.js';
import { listField } from './list-field.js';
import { GraphQLDateTime, GraphQLJson, inputOf, scalarOf, withoutNull } from './scalars.js';
import { selectedFields, selectedIncludes } from './selection.js';
import { subscriptionField } from './subscriptions.js';
import { TypeNames } from './type-names.js';

type Row = Record<string, unknown>;

/** What every resolver receives, a generated one or yours: an endpoint's actor, database and logger. */
export interface GraphQLContext {
  /** Who asks (through HTTP: the request's user, as REST's `requestActor`). */
  actor: Actor;
  /** The executor the operations run on (the request's `ctx.db`). */
  db: Executor;
  /** The request's logger (bound to its id). */
  log: Logger;
  /** Handed to the collection's hooks as `context` (through HTTP: the request context). */
  context?: OperationContext;
}

/** The operations a collection exposes through GraphQL. */
export type GraphQLAction = 'list' | 'retrieve' | 'create' | 'update' | 'delete';

/** A collection exposed with a choice of operations. */
export interface GraphQLCollectionOptions {
  /** The collection (from `defineCollection`) or a plain model (REST's defaults). */
  collection: Collection<AnyModel, unknown> | AnyModel;
  /** Operations exposed (default: all five; the collection's policy still decides who may run them). */
  actions?: readonly GraphQLAction[];
}

/** The collections a GraphQL API exposes, by the name of their list field (`books`). */
export type GraphQLCollections = Readonly<
  Record<string, Collection<AnyModel, unknown> | AnyModel | GraphQLCollectionOptions>
>;

const ALL_ACTIONS: readonly GraphQLAction[] = ['list', 'retrieve', 'create', 'update', 'delete'];

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Copies GraphQL's null-prototype argument objects into plain ones (the layer's data). */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const out: Row = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v);
  return out;
}

function nonNull<T extends GraphQLOutputType | GraphQLInputType>(type: T, required: boolean): T {
  return (required ? new GraphQLNonNull(type) : type) as T;
}

/** Builds every type of one schema; names are unique across collections. */
class SchemaBuilder {
  readonly #query: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  readonly #mutation: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  readonly #subscription: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  readonly #names = new TypeNames();
  readonly #custom = new TypeBoxTypes(
    (name) => this.#names.claim(name),
    (name) => this.#names.get(name),
  );
  readonly #subscriptions: boolean;

  constructor(subscriptions: boolean) {
    this.#subscriptions = subscriptions;
  }

  #name(name: string): string {
    return this.#names.claim(name);
  }

  /** The field error type of mutation payloads. */
  #fieldErrorType(): GraphQLObjectType {
    return this.#names.shared(
      'FieldError',
      () =>
        new GraphQLObjectType({
          name: 'FieldError',
          description: 'One problem with one input field: `lines/2/quantity`, what is wrong, a code.',
          fields: {
            field: { type: new GraphQLNonNull(GraphQLString) },
            message: { type: new GraphQLNonNull(GraphQLString) },
            code: { type: GraphQLString },
          },
        }),
    );
  }

  /** A create/update mutation's answer: the object, or the field errors of its input. */
  #payloadType(name: string, single: string, type: GraphQLObjectType): GraphQLObjectType {
    return new GraphQLObjectType({
      name: this.#name(`${name}Payload`),
      description: `The ${single} written, or why its input was refused (then nothing was written).`,
      fields: {
        [single]: { type },
        errors: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(this.#fieldErrorType()))) },
      },
    });
  }

  /** Adds queries and mutations of your own. */
  addCustom(
    queries: Readonly<Record<string, AnyGraphQLField>>,
    mutations: Readonly<Record<string, AnyGraphQLField>>,
  ) {
    for (const [target, fields] of [
      [this.#query, queries],
      [this.#mutation, mutations],
    ] as const)
      for (const [name, field] of Object.entries(fields)) {
        if (name in target)
          throw new BasaltError('BASALT_CONFIG_INVALID', `graphql: two fields are named '${name}'`);
        target[name] = this.#custom.field(name, field);
      }
  }

  /** The object type of a collection's objects: readable and computed fields, includes. */
  #objectType(rt: CollectionRuntime, name: string): GraphQLObjectType {
    const { plan, model } = rt;
    const read = model.schemas.read.properties as Record<string, TSchema>;
    return this.#names.add(
      new GraphQLObjectType({
        name: this.#name(name),
        description: `One ${model.meta.label.toLowerCase()}, as its collection shows it.`,
        fields: () => {
          const fields: GraphQLFieldConfigMap<Row, GraphQLContext> = {};
          for (const attribute of plan.readable) {
            // A field a read rule hides from some actors answers null to them.
            const nullable = withoutNull(read[attribute]).nullable || plan.readRules.has(attribute);
            fields[attribute] = { type: nonNull(scalarOf(model, attribute, read[attribute]), !nullable) };
          }
          for (const [key, computed] of Object.entries(plan.computed)) {
            const { schema, nullable } = withoutNull(computed.schema);
            fields[key] = {
              type: nonNull(scalarOf(model, key, schema as TSchema), !nullable && !plan.readRules.has(key)),
            };
          }
          for (const include of plan.includes) fields[include.name] = this.#includeField(include, name);
          return fields;
        },
      }),
    );
  }

  /** A relation's field; a has-many one is counted by the cost limit as `limits.relationSize` objects. */
  #includeField(plan: IncludePlan, owner: string): GraphQLFieldConfig<Row, GraphQLContext> {
    const type = this.#includeType(plan, owner);
    return plan.many ? { type, extensions: RELATION_EXTENSIONS } : { type };
  }

  #includeType(plan: IncludePlan, owner: string): GraphQLOutputType {
    const model = plan.model;
    const read = model.schemas.read.properties as Record<string, TSchema>;
    const type: GraphQLObjectType = new GraphQLObjectType({
      name: this.#name(`${owner}${pascal(plan.name)}`),
      description: `The ${plan.name} of one ${owner}, as its include shows it.`,
      fields: () => {
        const fields: GraphQLFieldConfigMap<Row, GraphQLContext> = {};
        for (const attribute of plan.fields) {
          const nullable = withoutNull(read[attribute]).nullable;
          fields[attribute] = { type: nonNull(scalarOf(model, attribute, read[attribute]), !nullable) };
        }
        for (const child of plan.children) fields[child.name] = this.#includeField(child, type.name);
        return fields;
      },
    });
    if (plan.many) return new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type)));
    return nonNull(type, !plan.nullable);
  }

  /** Input type of a scalar the model accepts in writes. */
  #writeScalar(model: AnyModel, attribute: string) {
    const write = model.schemas.create.properties as Record<string, TSchema>;
    return inputOf(model, attribute, write[attribute]);
  }

  #inputType(rt: CollectionRuntime, name: string, update: boolean): GraphQLInputObjectType {
    const fields: GraphQLInputFieldConfigMap = {};
    const required = new Set(rt.plan.required);
    for (const attribute of rt.plan.writable)
      fields[attribute] = {
        type: nonNull(this.#writeScalar(rt.model, attribute), !update && required.has(attribute)),
      };
    for (const nested of rt.plan.nested) {
      const childFields: GraphQLInputFieldConfigMap = {};
      if (update)
        childFields.id = {
          type: GraphQLInt,
          description: 'An existing child to change (absent: a new child).',
        };
      const childRequired = new Set(nested.required);
      for (const attribute of nested.fields)
        childFields[attribute] = {
          type: nonNull(this.#writeScalar(nested.model, attribute), childRequired.has(attribute)),
        };
      const child = new GraphQLInputObjectType({
        name: this.#name(`${name}${pascal(nested.name)}Input`),
        fields: childFields,
      });
      fields[nested.name] = { type: new GraphQLList(new GraphQLNonNull(child)) };
    }
    return new GraphQLInputObjectType({ name: this.#name(`${name}Input`), fields });
  }

  add(field: string, target: GraphQLCollections[string]): void {
    const options: GraphQLCollectionOptions =
      typeof target === 'object' && target !== null && 'collection' in target
        ? target
        : { collection: target };
    const rt = runtimeOf(options.collection);
    const actions = new Set(options.actions ?? ALL_ACTIONS);
    const name = pascal(rt.model.name);
    const type = this.#objectType(rt, name);
    const single = camel(rt.model.name);
    const idType = nonNull(
      scalarOf(rt.model, 'id', (rt.model.schemas.read.properties as Record<string, TSchema>).id),
      true,
    );

    if (actions.has('list')) this.#query[field] = listField(rt, name, type, this.#names);
    if (actions.has('retrieve') && this.#subscriptions)
      this.#subscription[`${single}Changed`] = subscriptionField(rt, name, single, type, this.#names);
    if (actions.has('retrieve'))
      this.#query[single] = {
        type,
        description: `One ${rt.model.meta.label.toLowerCase()} by id.`,
        args: { id: { type: idType } },
        resolve: async (_root, args: Row, ctx, info) => {
          await enforce(rt, 'retrieve', ctx.actor);
          const params = {
            include: selectedIncludes(info, rt.plan.includes, [[]]),
            fields: selectedFields(info, rt.plan, [[]]),
          };
          const { paths, top } = requestedIncludes(rt.plan, params);
          const row = await loadObject(rt, ctx.db, ctx.actor, args.id, 'retrieve', paths);
          return serialize(rt.plan, viewOf(rt, ctx.actor, params, top), row);
        },
      };
    /**
     * A written object as REST answers it; relations the mutation selects beyond those it
     * wrote are read again as the actor may see them, in one query per relation.
     */
    const at = [[single]] as const;
    const show = async (ctx: GraphQLContext, row: Row, info: GraphQLResolveInfo) => {
      const fields = selectedFields(info, rt.plan, at);
      const view = { ...writtenView(rt, ctx.actor, row), fields: new Set(fields.split(',')) };
      const include = selectedIncludes(info, rt.plan.includes, at);
      const written = new Set(view.includes.map((i) => i.name));
      if (include === undefined || include.split(',').every((path) => written.has(path.split('.')[0]!)))
        return serialize(rt.plan, view, row);
      const { paths, top } = requestedIncludes(rt.plan, { include });
      try {
        const fresh = await loadObject(rt, ctx.db, ctx.actor, row.id, 'retrieve', paths);
        return serialize(rt.plan, viewOf(rt, ctx.actor, { include, fields }, top), fresh);
      } catch (error) {
        // Written, but not visible to its writer afterwards: the write's own answer.
        if (isBasaltError(error) && error.status === 404) return serialize(rt.plan, view, row);
        throw error;
      }
    };
    /** The payload of a write: the object, or its input's field errors (a refusal stays a GraphQL error). */
    const payload = async (write: () => Promise<Row>, ctx: GraphQLContext, info: GraphQLResolveInfo) => {
      let row: Row;
      try {
        row = await write();
      } catch (error) {
        const errors: GraphQLFieldError[] | undefined = fieldErrorsOf(error);
        if (errors) return { [single]: null, errors };
        throw error;
      }
      return { [single]: await show(ctx, row, info), errors: [] };
    };
    const payloadType =
      (actions.has('create') || actions.has('update')) && rt.writable.size > 0
        ? new GraphQLNonNull(this.#payloadType(name, single, type))
        : undefined;
    if (actions.has('create') && payloadType)
      this.#mutation[`create${name}`] = {
        type: payloadType,
        args: { input: { type: new GraphQLNonNull(this.#inputType(rt, `${name}Create`, false)) } },
        resolve: async (_root, args: Row, ctx, info) => {
          await enforce(rt, 'create', ctx.actor);
          return payload(
            () => createObject(rt, ctx.db, ctx.actor, plain(args.input) as Row, ctx.context),
            ctx,
            info,
          );
        },
      };
    if (actions.has('update') && payloadType)
      this.#mutation[`update${name}`] = {
        type: payloadType,
        args: {
          id: { type: idType },
          input: { type: new GraphQLNonNull(this.#inputType(rt, `${name}Update`, true)) },
        },
        resolve: async (_root, args: Row, ctx, info) => {
          await enforce(rt, 'partialUpdate', ctx.actor);
          const data = plain(args.input) as Row;
          return payload(
            () => updateObject(rt, ctx.db, ctx.actor, args.id, data, 'partialUpdate', undefined, ctx.context),
            ctx,
            info,
          );
        },
      };
    if (actions.has('delete'))
      this.#mutation[`delete${name}`] = {
        type: new GraphQLNonNull(GraphQLBoolean),
        description: 'Deletes the object; true once it is gone.',
        args: { id: { type: idType } },
        resolve: async (_root, args: Row, ctx) => {
          await enforce(rt, 'delete', ctx.actor);
          await deleteObject(rt, ctx.db, ctx.actor, args.id, undefined, ctx.context);
          return true;
        },
      };
  }

  build(): GraphQLSchema {
    return new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: this.#query }),
      ...(Object.keys(this.#mutation).length > 0
        ? { mutation: new GraphQLObjectType({ name: 'Mutation', fields: this.#mutation }) }
        : {}),
      ...(Object.keys(this.#subscription).length > 0
        ? { subscription: new GraphQLObjectType({ name: 'Subscription', fields: this.#subscription }) }
        : {}),
      types: [GraphQLJson, GraphQLDateTime],
    });
  }
}

/** What {@link buildGraphQLSchema} builds besides the collections. */
export interface GraphQLSchemaOptions {
  /** Queries of your own (`defineQuery`), beside the generated ones. */
  queries?: Readonly<Record<string, AnyGraphQLField>>;
  /** Mutations of your own (`defineMutation`). */
  mutations?: Readonly<Record<string, AnyGraphQLField>>;
  /** A `<single>Changed` subscription per collection that can be retrieved (default true). */
  subscriptions?: boolean;
}

/**
 * The GraphQL schema of collections: object types from their readable and computed fields,
 * relations from their includes, list (a page or a Relay connection) and by-id queries,
 * create/update mutations answering a payload with field errors, delete mutations,
 * subscriptions to changes, and the queries and mutations of your own.
 */
export function buildGraphQLSchema(
  collections: GraphQLCollections,
  options: GraphQLSchemaOptions = {},
): GraphQLSchema {
  const builder = new SchemaBuilder(options.subscriptions ?? true);
  for (const [field, target] of Object.entries(collections)) builder.add(field, target);
  builder.addCustom(options.queries ?? {}, options.mutations ?? {});
  return builder.build();
}
