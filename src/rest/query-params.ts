import type { TSchema } from '@sinclair/typebox';
import type { AnyModel } from '../db/index.js';
import { type FieldPlan, type FilterParam, MAX_IN_VALUES, type QueryPlan } from '../ops/internal.js';
import { guardInput, isWide } from './guard.js';

type Json = Record<string, unknown>;

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

/** The longest list naming each of `names` once (with its `-` when signed): the list's `maxLength`. */
function listMaxLength(names: readonly string[], signed: boolean): number {
  return names.reduce((sum, name) => sum + name.length + (signed ? 1 : 0), 0) + names.length - 1;
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
        maxLength: listMaxLength(names, true),
        description: `Comma-separated fields to order by, '-' for descending: ${names.join(', ')}`,
      };
    }
    if (query.pagination) {
      if (query.pagination.style === 'page')
        props.page = {
          type: 'integer',
          minimum: 1,
          maximum: 1_000_000,
          description: `Page number, from 1, for pages within the first ${query.pagination.maxOffset} objects (deeper pages: follow the next links, which carry a cursor)`,
        };
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
      maxLength: listMaxLength(includes, false),
      description: `Comma-separated relations to include: ${includes.join(', ')}`,
    };
  if (query.sparse) {
    const fields = [...plan.readable, ...Object.keys(plan.computed)];
    props.fields = {
      type: 'string',
      pattern: listPattern(fields, false),
      maxLength: listMaxLength(fields, false),
      description: `Comma-separated fields to return (id is always returned): ${fields.join(', ')}`,
    };
  }
  return { type: 'object', properties: props, additionalProperties: false } as unknown as TSchema;
}
