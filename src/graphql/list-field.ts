import type { TSchema } from '@sinclair/typebox';
import {
  GraphQLBoolean,
  GraphQLEnumType,
  type GraphQLFieldConfig,
  type GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  GraphQLString,
} from 'graphql';
import { BasaltError } from '../core/index.js';
import { cursorOfRow } from '../db/internal.js';
import {
  type CollectionRuntime,
  enforce,
  type FilterParam,
  listObjects,
  listOrder,
  MAX_IN_VALUES,
  TEXT_LOOKUPS,
} from '../ops/internal.js';
import type { ListSizes } from './limits.js';
import { scalarOf, withoutNull } from './scalars.js';
import type { GraphQLContext } from './schema.js';
import { type ObjectPaths, selectedFields, selectedIncludes } from './selection.js';
import type { TypeNames } from './type-names.js';
import { valueChecker } from './values.js';

type Row = Record<string, unknown>;

/** A declared filter and the check of its values. */
interface CheckedFilter extends FilterParam {
  check?: (value: unknown) => boolean;
}

function badInput(field: string, message: string): BasaltError {
  return new BasaltError('BASALT_VALIDATION_FAILED', `Invalid argument '${field}'`, {
    errors: [{ pointer: `/${field}`, detail: message }],
  });
}

/** The typed filter input: one field per declared filter and lookup (`price_lt`). */
function filterType(
  rt: CollectionRuntime,
  name: string,
  names: TypeNames,
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
  return { type: new GraphQLInputObjectType({ name: names.claim(`${name}Filter`), fields }), byField };
}

function orderingType(rt: CollectionRuntime, name: string, names: TypeNames): GraphQLEnumType | undefined {
  if (rt.query.ordering.size === 0) return undefined;
  const values: Record<string, { value: string }> = {};
  for (const key of rt.query.ordering.keys()) {
    values[`${key}_ASC`] = { value: key };
    values[`${key}_DESC`] = { value: `-${key}` };
  }
  return new GraphQLEnumType({ name: names.claim(`${name}Ordering`), values });
}

function pageInfoType(names: TypeNames): GraphQLObjectType {
  return names.shared(
    'PageInfo',
    () =>
      new GraphQLObjectType({
        name: 'PageInfo',
        description:
          'Where a page of a connection stands (Relay): pass endCursor as `after` for the next page, startCursor as `before` for the previous one.',
        fields: {
          hasNextPage: { type: new GraphQLNonNull(GraphQLBoolean) },
          hasPreviousPage: { type: new GraphQLNonNull(GraphQLBoolean) },
          startCursor: { type: GraphQLString },
          endCursor: { type: GraphQLString },
        },
      }),
  );
}

/** Where a list's objects sit: a plain list, a page's `items`, a connection's `nodes` and `edges.node`. */
const PLAIN: ObjectPaths = [[]];
const PAGE: ObjectPaths = [['items']];
const CONNECTION: ObjectPaths = [['nodes'], ['edges', 'node']];

/**
 * The list field of a collection: its filters, search and ordering as REST's query string
 * has them, typed; a page (`items`, `totalCount`) for page-number pagination, a Relay
 * connection (`edges { cursor node }`, `nodes`, `pageInfo`) for cursor pagination.
 */
export function listField(
  rt: CollectionRuntime,
  name: string,
  type: GraphQLObjectType,
  names: TypeNames,
): GraphQLFieldConfig<unknown, GraphQLContext> {
  const filter = filterType(rt, name, names);
  const ordering = orderingType(rt, name, names);
  const args: Record<string, { type: GraphQLInputType; description?: string }> = {};
  if (filter) args.filter = { type: filter.type };
  if (rt.query.search.length > 0)
    args.search = { type: GraphQLString, description: `Words to look for in ${rt.query.search.join(', ')}` };
  if (ordering) args.ordering = { type: new GraphQLList(new GraphQLNonNull(ordering)) };
  const pagination = rt.query.pagination;
  let resultType: GraphQLOutputType;
  let paths = PLAIN;
  const objects = new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type)));
  if (!pagination) resultType = objects;
  else if (pagination.style === 'page') {
    args.page = { type: GraphQLInt };
    args.pageSize = {
      type: GraphQLInt,
      description: `1 to ${pagination.maxPageSize} (default ${pagination.pageSize})`,
    };
    paths = PAGE;
    resultType = new GraphQLNonNull(
      new GraphQLObjectType({
        name: names.claim(`${name}Page`),
        fields: {
          items: { type: objects },
          totalCount: { type: new GraphQLNonNull(GraphQLInt) },
          totalCountIsEstimate: {
            type: new GraphQLNonNull(GraphQLBoolean),
            description:
              "totalCount is an estimate: more objects match than the collection's exactCountLimit",
          },
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
    args.after = {
      type: GraphQLString,
      description: 'The cursor of an edge (or endCursor): the objects after it',
    };
    args.before = {
      type: GraphQLString,
      description: 'The cursor of an edge (or startCursor): the objects before it',
    };
    paths = CONNECTION;
    const edge = new GraphQLObjectType({
      name: names.claim(`${name}Edge`),
      fields: {
        cursor: { type: new GraphQLNonNull(GraphQLString) },
        node: { type: new GraphQLNonNull(type) },
      },
    });
    resultType = new GraphQLNonNull(
      new GraphQLObjectType({
        name: names.claim(`${name}Connection`),
        fields: {
          edges: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(edge))) },
          nodes: { type: objects },
          pageInfo: { type: new GraphQLNonNull(pageInfoType(names)) },
        },
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
      params.include = selectedIncludes(info, rt.plan.includes, paths);
      if (!pagination || pagination.style !== 'cursor') {
        params.fields = selectedFields(info, rt.plan, paths);
        const page = await listObjects(rt, ctx.db, ctx.actor, params);
        if (!pagination) return page.results;
        const current = (params.page as number | undefined) ?? 1;
        return {
          items: page.results,
          totalCount: page.count ?? page.results.length,
          totalCountIsEstimate: page.countIsEstimate === true,
          page: current,
          pageSize: (params.pageSize as number | undefined) ?? pagination.pageSize,
          hasNextPage: page.next !== null,
          hasPreviousPage: page.previous !== null,
        };
      }
      // Each edge's cursor is its row's place in the ordering: the order keys are read too.
      const keys = listOrder(rt.query, params);
      params.fields = selectedFields(
        info,
        rt.plan,
        paths,
        keys.map((k) => k.replace(/^-/, '')),
      );
      const page = await listObjects(rt, ctx.db, ctx.actor, params);
      const edges = page.results.map((node) => ({ cursor: cursorOfRow(rt.model, keys, node), node }));
      return {
        edges,
        nodes: page.results,
        pageInfo: {
          hasNextPage: page.next !== null,
          hasPreviousPage: page.previous !== null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges[edges.length - 1]?.cursor ?? null,
        },
      };
    },
  };
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
  // A cursor names a row's place; the layer reads the direction from its prefix.
  if (args.after != null) params.cursor = `n.${cursorText('after', args.after)}`;
  if (args.before != null) params.cursor = `p.${cursorText('before', args.before)}`;
  return params;
}

function cursorText(field: string, value: unknown): string {
  const text = String(value);
  if (text.length > 2_000 || !/^[A-Za-z0-9_-]+$/.test(text))
    throw badInput(field, 'is not a cursor this API gave');
  return text;
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
