import type { TSchema } from '@sinclair/typebox';
import {
  GraphQLBoolean,
  GraphQLEnumType,
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
import { BasaltError, isBasaltError } from '../core/index.js';
import type { AnyModel, Executor } from '../db/index.js';
import type { Actor, Collection, OperationContext } from '../ops/index.js';
import {
  type CollectionRuntime,
  createObject,
  deleteObject,
  enforce,
  type FilterParam,
  type IncludePlan,
  listObjects,
  loadObject,
  MAX_IN_VALUES,
  requestedIncludes,
  runtimeOf,
  serialize,
  TEXT_LOOKUPS,
  updateObject,
  viewOf,
  writtenView,
} from '../ops/internal.js';
import type { ListSizes } from './limits.js';
import { GraphQLDateTime, GraphQLJson, inputOf, scalarOf, withoutNull } from './scalars.js';
import { selectedFields, selectedIncludes } from './selection.js';
import { valueChecker } from './values.js';

type Row = Record<string, unknown>;

/** A declared filter and the check of its values. */
interface CheckedFilter extends FilterParam {
  check?: (value: unknown) => boolean;
}

/** What every resolver of a generated schema receives: the request's actor and database. */
export interface GraphQLContext {
  /** Who asks (through HTTP: the request's user, as REST's `requestActor`). */
  actor: Actor;
  /** The executor the operations run on (the request's `ctx.db`). */
  db: Executor;
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

function badInput(field: string, message: string): BasaltError {
  return new BasaltError('BASALT_VALIDATION_FAILED', `Invalid argument '${field}'`, {
    errors: [{ pointer: `/${field}`, detail: message }],
  });
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
  readonly #names = new Set<string>();
  #pageInfo: GraphQLObjectType | undefined;

  #name(name: string): string {
    if (this.#names.has(name))
      throw new BasaltError('BASALT_CONFIG_INVALID', `graphql: two types are named '${name}'`);
    this.#names.add(name);
    return name;
  }

  /** The object type of a collection's objects: readable and computed fields, includes. */
  #objectType(rt: CollectionRuntime, name: string): GraphQLObjectType {
    const { plan, model } = rt;
    const read = model.schemas.read.properties as Record<string, TSchema>;
    return new GraphQLObjectType({
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
        for (const include of plan.includes)
          fields[include.name] = { type: this.#includeType(include, name) };
        return fields;
      },
    });
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
        for (const child of plan.children) fields[child.name] = { type: this.#includeType(child, type.name) };
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

  /** The typed filter input: one field per declared filter and lookup (`price_lt`). */
  #filterType(
    rt: CollectionRuntime,
    name: string,
  ): { type: GraphQLInputObjectType; byField: Map<string, CheckedFilter> } | undefined {
    if (rt.query.filters.length === 0) return undefined;
    const fields: GraphQLInputFieldConfigMap = {};
    const byField = new Map<string, CheckedFilter>();
    const read = rt.model.schemas.read.properties as Record<string, TSchema>;
    for (const filter of rt.query.filters) {
      const base = filter.param.replace(/\[.*$/, '');
      const field = filter.lookup === 'eq' ? base : `${base}_${filter.lookup}`;
      const scalar = scalarOf(rt.model, filter.attribute, read[filter.attribute]);
      let type: GraphQLInputType = scalar;
      if (filter.lookup === 'in' || filter.lookup === 'notIn')
        type = new GraphQLList(new GraphQLNonNull(scalar));
      else if (filter.lookup === 'isNull') type = GraphQLBoolean;
      else if (TEXT_LOOKUPS.includes(filter.lookup)) type = GraphQLString;
      fields[field] = { type, description: `${filter.attribute} ${filter.lookup}` };
      const bare = withoutNull(read[filter.attribute]).schema;
      byField.set(field, bare ? { ...filter, check: valueChecker(bare as TSchema) } : filter);
    }
    return { type: new GraphQLInputObjectType({ name: this.#name(`${name}Filter`), fields }), byField };
  }

  #orderingType(rt: CollectionRuntime, name: string): GraphQLEnumType | undefined {
    if (rt.query.ordering.size === 0) return undefined;
    const values: Record<string, { value: string }> = {};
    for (const key of rt.query.ordering.keys()) {
      values[`${key}_ASC`] = { value: key };
      values[`${key}_DESC`] = { value: `-${key}` };
    }
    return new GraphQLEnumType({ name: this.#name(`${name}Ordering`), values });
  }

  #pageInfoType(): GraphQLObjectType {
    this.#pageInfo ??= new GraphQLObjectType({
      name: this.#name('PageInfo'),
      description:
        'Where a page of a cursor-paginated list stands: pass endCursor as `after`, startCursor as `before`.',
      fields: {
        hasNextPage: { type: new GraphQLNonNull(GraphQLBoolean) },
        hasPreviousPage: { type: new GraphQLNonNull(GraphQLBoolean) },
        startCursor: { type: GraphQLString },
        endCursor: { type: GraphQLString },
      },
    });
    return this.#pageInfo;
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

    if (actions.has('list')) this.#query[field] = this.#listField(rt, name, type);
    if (actions.has('retrieve'))
      this.#query[single] = {
        type,
        description: `One ${rt.model.meta.label.toLowerCase()} by id.`,
        args: { id: { type: idType } },
        resolve: async (_root, args: Row, ctx, info) => {
          await enforce(rt, 'retrieve', ctx.actor);
          const params = {
            include: selectedIncludes(info, rt.plan.includes, null),
            fields: selectedFields(info, rt.plan, null),
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
    const show = async (ctx: GraphQLContext, row: Row, info: GraphQLResolveInfo) => {
      const fields = selectedFields(info, rt.plan, null);
      const view = { ...writtenView(rt, ctx.actor, row), fields: new Set(fields.split(',')) };
      const include = selectedIncludes(info, rt.plan.includes, null);
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
    if (actions.has('create') && rt.writable.size > 0)
      this.#mutation[`create${name}`] = {
        type: new GraphQLNonNull(type),
        args: { input: { type: new GraphQLNonNull(this.#inputType(rt, `${name}Create`, false)) } },
        resolve: async (_root, args: Row, ctx, info) => {
          await enforce(rt, 'create', ctx.actor);
          const row = await createObject(rt, ctx.db, ctx.actor, plain(args.input) as Row, ctx.context);
          return show(ctx, row, info);
        },
      };
    if (actions.has('update') && rt.writable.size > 0)
      this.#mutation[`update${name}`] = {
        type: new GraphQLNonNull(type),
        args: {
          id: { type: idType },
          input: { type: new GraphQLNonNull(this.#inputType(rt, `${name}Update`, true)) },
        },
        resolve: async (_root, args: Row, ctx, info) => {
          await enforce(rt, 'partialUpdate', ctx.actor);
          const data = plain(args.input) as Row;
          const row = await updateObject(
            rt,
            ctx.db,
            ctx.actor,
            args.id,
            data,
            'partialUpdate',
            undefined,
            ctx.context,
          );
          return show(ctx, row, info);
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

  #listField(
    rt: CollectionRuntime,
    name: string,
    type: GraphQLObjectType,
  ): GraphQLFieldConfig<unknown, GraphQLContext> {
    const filter = this.#filterType(rt, name);
    const ordering = this.#orderingType(rt, name);
    const args: Record<string, { type: GraphQLInputType; description?: string }> = {};
    if (filter) args.filter = { type: filter.type };
    if (rt.query.search.length > 0)
      args.search = {
        type: GraphQLString,
        description: `Words to look for in ${rt.query.search.join(', ')}`,
      };
    if (ordering) args.ordering = { type: new GraphQLList(new GraphQLNonNull(ordering)) };
    const pagination = rt.query.pagination;
    let resultType: GraphQLOutputType;
    let wrapper: string | null = null;
    const objects = new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type)));
    if (!pagination) resultType = objects;
    else if (pagination.style === 'page') {
      args.page = { type: GraphQLInt };
      args.pageSize = {
        type: GraphQLInt,
        description: `1 to ${pagination.maxPageSize} (default ${pagination.pageSize})`,
      };
      wrapper = 'items';
      resultType = new GraphQLNonNull(
        new GraphQLObjectType({
          name: this.#name(`${name}Page`),
          fields: {
            items: { type: objects },
            totalCount: { type: new GraphQLNonNull(GraphQLInt) },
            page: { type: new GraphQLNonNull(GraphQLInt) },
            pageSize: { type: new GraphQLNonNull(GraphQLInt) },
            hasNextPage: { type: new GraphQLNonNull(GraphQLBoolean) },
            hasPreviousPage: { type: new GraphQLNonNull(GraphQLBoolean) },
          },
        }),
      );
    } else {
      args.first = {
        type: GraphQLInt,
        description: `1 to ${pagination.maxPageSize} (default ${pagination.pageSize})`,
      };
      args.after = { type: GraphQLString };
      args.before = { type: GraphQLString };
      wrapper = 'nodes';
      resultType = new GraphQLNonNull(
        new GraphQLObjectType({
          name: this.#name(`${name}Connection`),
          fields: { nodes: { type: objects }, pageInfo: { type: new GraphQLNonNull(this.#pageInfoType()) } },
        }),
      );
    }
    // What the cost limit counts a list as (an unpaginated list: as its largest page).
    const basaltList: ListSizes = pagination
      ? { pageSize: pagination.pageSize, maxPageSize: pagination.maxPageSize }
      : { pageSize: 100, maxPageSize: 100 };
    return {
      type: resultType,
      args,
      extensions: { basaltList },
      resolve: async (_root, raw: Row, ctx, info: GraphQLResolveInfo) => {
        await enforce(rt, 'list', ctx.actor);
        const params = listParams(raw, filter?.byField);
        params.include = selectedIncludes(info, rt.plan.includes, wrapper);
        params.fields = selectedFields(info, rt.plan, wrapper);
        const page = await listObjects(rt, ctx.db, ctx.actor, params);
        if (!pagination) return page.results;
        if (pagination.style === 'page') {
          const current = (params.page as number | undefined) ?? 1;
          return {
            items: page.results,
            totalCount: page.count ?? page.results.length,
            page: current,
            pageSize: (params.pageSize as number | undefined) ?? pagination.pageSize,
            hasNextPage: page.next !== null,
            hasPreviousPage: page.previous !== null,
          };
        }
        return {
          nodes: page.results,
          pageInfo: {
            hasNextPage: page.next !== null,
            hasPreviousPage: page.previous !== null,
            startCursor: page.previous?.cursor ?? null,
            endCursor: page.next?.cursor ?? null,
          },
        };
      },
    };
  }

  build(): GraphQLSchema {
    return new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: this.#query }),
      ...(Object.keys(this.#mutation).length > 0
        ? { mutation: new GraphQLObjectType({ name: 'Mutation', fields: this.#mutation }) }
        : {}),
      types: [GraphQLJson, GraphQLDateTime],
    });
  }
}

/** A list field's arguments as the operation layer's list parameters (REST's query string). */
function listParams(args: Row, byField: Map<string, CheckedFilter> | undefined): Row {
  const params: Row = {};
  const filter = args.filter as Row | null | undefined;
  if (filter && byField)
    for (const [field, value] of Object.entries(filter)) {
      const param = byField.get(field)!;
      if (value === null) continue;
      checkFilterValue(field, param, value);
      params[param.param] = value;
    }
  if (typeof args.search === 'string') params.search = args.search;
  if (Array.isArray(args.ordering) && args.ordering.length > 0) params.ordering = args.ordering.join(',');
  for (const key of ['page', 'pageSize'] as const) if (args[key] != null) params[key] = args[key];
  if (args.first != null) params.pageSize = args.first;
  if (args.after != null && args.before != null) throw badInput('after', 'give after or before, not both');
  if (args.after != null) {
    if (!String(args.after).startsWith('n.')) throw badInput('after', 'is not an endCursor this API gave');
    params.cursor = args.after;
  }
  if (args.before != null) {
    if (!String(args.before).startsWith('p.')) throw badInput('before', 'is not a startCursor this API gave');
    params.cursor = args.before;
  }
  return params;
}

/** The checks REST's query-string schema makes on a filter value (format, length, list size). */
function checkFilterValue(field: string, filter: CheckedFilter, value: unknown): void {
  const pointer = `filter/${field}`;
  if (filter.lookup === 'isNull') return;
  if (TEXT_LOOKUPS.includes(filter.lookup)) {
    if (String(value).length > 200) throw badInput(pointer, 'is longer than 200 characters');
    return;
  }
  const values = Array.isArray(value) ? value : [value];
  if (values.length > MAX_IN_VALUES) throw badInput(pointer, `has more than ${MAX_IN_VALUES} values`);
  if (filter.check)
    for (const v of values)
      if (!filter.check(v)) throw badInput(pointer, `'${String(v)}' is not a valid value`);
}

/**
 * The GraphQL schema of collections: object types from their readable and computed fields,
 * relations from their includes, list and by-id queries, and create/update/delete
 * mutations whose inputs are the writable fields (nested writes as input lists).
 */
export function buildGraphQLSchema(collections: GraphQLCollections): GraphQLSchema {
  const builder = new SchemaBuilder();
  for (const [field, target] of Object.entries(collections)) builder.add(field, target);
  return builder.build();
}
