import type { TSchema } from '@sinclair/typebox';
import { BasaltError } from '../core/index.js';
import type { AnyModel, FieldMeta } from '../db/index.js';
import { guardInput, isWide } from './guard.js';
import type { Lookup, PaginationOptions, ResourceOptions } from './options.js';
import { attributeOf, type FieldPlan } from './plan.js';

type Json = Record<string, unknown>;

/** One query parameter of a filter: `price[lt]` → `{ priceAttr: { lt: value } }`. */
export interface FilterParam {
  param: string;
  attribute: string;
  lookup: Lookup;
}

/** Everything a list or retrieve reads from its query string, resolved at definition time. */
export interface QueryPlan {
  filters: FilterParam[];
  search: string[];
  ordering: Map<string, string>;
  defaultOrdering: string[];
  pagination: Required<PaginationOptions> | false;
  sparse: boolean;
}

const TEXT_KINDS = new Set(['string', 'text', 'email', 'url', 'slug', 'enum']);
const ORDERED_KINDS = new Set([
  'integer',
  'bigInteger',
  'float',
  'decimal',
  'date',
  'datetime',
  'time',
  'string',
  'text',
  'email',
  'url',
  'slug',
]);
const TEXT_LOOKUPS: readonly Lookup[] = ['contains', 'icontains', 'startsWith', 'endsWith'];
/** Most values of one `[in]`/`[notIn]` filter; more is a 400, not a statement past the bind limit. */
export const MAX_IN_VALUES = 100;
/** Most words `?search=` looks for; more is a 400, not a query with hundreds of ORs. */
export const MAX_SEARCH_TERMS = 10;

function configError(message: string): BasaltError {
  return new BasaltError('BASALT_CONFIG_INVALID', message);
}

/** The usual lookups of a field's type (`filters: { price: true }`). */
function defaultLookups(meta: FieldMeta): Lookup[] {
  const lookups: Lookup[] = ['eq'];
  if (meta.kind === 'belongsTo' || meta.kind === 'enum' || meta.kind === 'uuid') lookups.push('in');
  else if (ORDERED_KINDS.has(meta.kind)) lookups.push('ne', 'lt', 'lte', 'gt', 'gte', 'in');
  if (TEXT_KINDS.has(meta.kind) && meta.kind !== 'enum') lookups.push(...TEXT_LOOKUPS);
  if (meta.nullable) lookups.push('isNull');
  return lookups;
}

function fieldMeta(model: AnyModel, attribute: string): FieldMeta | undefined {
  return Object.values(model.meta.fields).find((f) => f.attribute === attribute);
}

/** Resolves the declared filters, search fields, ordering and pagination of a resource. */
export function planQuery(model: AnyModel, options: ResourceOptions<AnyModel>): QueryPlan {
  const declared: [string, readonly Lookup[] | true][] = Array.isArray(options.filters)
    ? (options.filters as readonly string[]).map((n) => [n, true])
    : Object.entries((options.filters ?? {}) as Record<string, readonly Lookup[] | true>);
  const filters: FilterParam[] = [];
  for (const [name, lookups] of declared) {
    const attribute = attributeOf(model, name);
    const meta = fieldMeta(model, attribute);
    if (!meta) throw configError(`filters: '${name}' is not a field of '${model.name}'`);
    if (meta.kind === 'json' || meta.kind === 'file')
      throw configError(`filters: '${name}' of '${model.name}' (${meta.kind}) cannot be filtered`);
    for (const lookup of lookups === true ? defaultLookups(meta) : lookups) {
      if (TEXT_LOOKUPS.includes(lookup) && !TEXT_KINDS.has(meta.kind))
        throw configError(`filters: '${name}' is not a text field; '${lookup}' does not apply`);
      filters.push({ param: lookup === 'eq' ? name : `${name}[${lookup}]`, attribute, lookup });
    }
  }
  const search = (options.search ?? []).map((name) => {
    const attribute = attributeOf(model, name);
    const meta = fieldMeta(model, attribute);
    if (!meta || !TEXT_KINDS.has(meta.kind))
      throw configError(`search: '${name}' is not a text field of '${model.name}'`);
    return attribute;
  });
  const ordering = new Map<string, string>();
  for (const name of options.ordering ?? []) {
    const attribute = attributeOf(model, name);
    if (!fieldMeta(model, attribute))
      throw configError(`ordering: '${name}' is not a field of '${model.name}'`);
    ordering.set(name, attribute);
  }
  const fallback = model.meta.ordering.length > 0 ? model.meta.ordering : ['id'];
  const defaultOrdering = (options.defaultOrdering ?? fallback).map((key) =>
    key.startsWith('-') ? `-${attributeOf(model, key.slice(1))}` : attributeOf(model, key),
  );
  const pagination =
    options.pagination === false
      ? false
      : {
          style: options.pagination?.style ?? 'page',
          pageSize: options.pagination?.pageSize ?? 20,
          maxPageSize: options.pagination?.maxPageSize ?? 100,
        };
  if (pagination && pagination.pageSize > pagination.maxPageSize)
    throw configError(`pagination: pageSize ${pagination.pageSize} is above maxPageSize`);
  return { filters, search, ordering, defaultOrdering, pagination, sparse: options.sparseFields ?? true };
}

/** A schema usable for a query-string value: no null branch, default or title. */
function valueSchema(model: AnyModel, attribute: string): Json {
  const read = model.schemas.read.properties as Record<string, TSchema>;
  const write = model.schemas.create.properties as Record<string, TSchema>;
  let schema = JSON.parse(JSON.stringify(read[attribute] ?? write[attribute])) as Json;
  const branches = schema.anyOf as Json[] | undefined;
  if (branches?.some((b) => b.type === 'null')) {
    const rest = branches.filter((b) => b.type !== 'null');
    schema = rest.length === 1 ? rest[0]! : { anyOf: rest };
  }
  delete schema.default;
  delete schema.title;
  delete schema.description;
  return guardInput(schema, isWide(model, attribute));
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A pattern accepting a comma-separated list of `names` (each optionally prefixed by `-`). */
function listPattern(names: readonly string[], signed: boolean): string {
  const one = `${signed ? '-?' : ''}(${names.map(escapeRegExp).join('|')})`;
  return `^${one}(,${one})*$`;
}

function lookupSchema(model: AnyModel, filter: FilterParam): Json {
  const value = valueSchema(model, filter.attribute);
  const description = `Filter: ${filter.attribute} ${filter.lookup}`;
  switch (filter.lookup) {
    case 'in':
    case 'notIn':
      return {
        type: 'array',
        items: value,
        maxItems: MAX_IN_VALUES,
        description: `${description} (repeat the parameter)`,
      };
    case 'isNull':
      return { type: 'boolean', description };
    case 'contains':
    case 'icontains':
    case 'startsWith':
    case 'endsWith':
      return guardInput({ type: 'string', maxLength: 200, description });
    default:
      return { ...value, description };
  }
}

/**
 * The query-string schema of a list (`list: true`) or of one object: every filter and
 * lookup, search, ordering, pagination, include and fields parameter, and nothing else —
 * an undeclared parameter is a 400 naming it.
 */
export function buildQuerySchema(plan: FieldPlan, query: QueryPlan, list: boolean): TSchema {
  const props: Json = {};
  if (list) {
    for (const filter of query.filters) props[filter.param] = lookupSchema(plan.model, filter);
    if (query.search.length > 0)
      props.search = guardInput({
        type: 'string',
        maxLength: 200,
        description: `Words to look for in ${query.search.join(', ')}`,
      });
    if (query.ordering.size > 0) {
      const names = [...query.ordering.keys()];
      props.ordering = {
        type: 'string',
        pattern: listPattern(names, true),
        description: `Comma-separated fields to order by, '-' for descending: ${names.join(', ')}`,
      };
    }
    if (query.pagination) {
      if (query.pagination.style === 'page')
        props.page = { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'Page number, from 1' };
      else
        props.cursor = {
          type: 'string',
          maxLength: 2000,
          pattern: '^[np]\\.[A-Za-z0-9_-]+$',
          description: 'Cursor from a next or previous link',
        };
      props.pageSize = {
        type: 'integer',
        minimum: 1,
        maximum: query.pagination.maxPageSize,
        description: `Items per page (default ${query.pagination.pageSize})`,
      };
    }
  }
  const includes = [...plan.includeByPath.keys()];
  if (includes.length > 0)
    props.include = {
      type: 'string',
      pattern: listPattern(includes, false),
      description: `Comma-separated relations to include: ${includes.join(', ')}`,
    };
  if (query.sparse) {
    const fields = [...plan.readable, ...Object.keys(plan.computed)];
    props.fields = {
      type: 'string',
      pattern: listPattern(fields, false),
      description: `Comma-separated fields to return (id is always returned): ${fields.join(', ')}`,
    };
  }
  return { type: 'object', properties: props, additionalProperties: false } as unknown as TSchema;
}
