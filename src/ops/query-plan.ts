import { BasaltError } from '../core/index.js';
import type { AnyModel, FieldMeta } from '../db/index.js';
import type { SearchTarget } from '../db/internal.js';
import type { CollectionOptions, CountMode, Lookup, PaginationOptions } from './options.js';
import { attributeOf } from './plan.js';

/** One query parameter of a filter: `price[lt]` → `{ priceAttr: { lt: value } }`. */
export interface FilterParam {
  param: string;
  attribute: string;
  lookup: Lookup;
}

/** Everything a list or retrieve reads from its query string, resolved at definition time. */
export interface QueryPlan {
  filters: FilterParam[];
  /** Attributes `search` looks in. */
  search: string[];
  /** `words`: LIKE per word (a plain list of fields); else the index-served modes. */
  searchMode: 'words' | 'contains' | 'fulltext';
  /** PostgreSQL text search configuration of `fulltext`. */
  searchLanguage: string;
  /** The index `contains`/`fulltext` search is served by; null for `words`. */
  searchTarget: SearchTarget | null;
  ordering: Map<string, string>;
  defaultOrdering: string[];
  pagination: Required<PaginationOptions> | false;
  count: CountMode;
  exactCountLimit: number;
  sparse: boolean;
}

/** Default of `exactCountLimit`. */
export const EXACT_COUNT_LIMIT = 10_000;
/** Default of `pagination.maxOffset`. */
export const MAX_OFFSET = 10_000;

export const TEXT_KINDS = new Set(['string', 'text', 'email', 'url', 'slug', 'enum']);
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
export const TEXT_LOOKUPS: readonly Lookup[] = ['contains', 'icontains', 'startsWith', 'endsWith'];
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

export function fieldMeta(model: AnyModel, attribute: string): FieldMeta | undefined {
  return Object.values(model.meta.fields).find((f) => f.attribute === attribute);
}

/** Resolves the declared filters, search fields, ordering and pagination of a collection. */
export function planQuery(model: AnyModel, options: CollectionOptions<AnyModel>): QueryPlan {
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
  const searchOption = options.search ?? [];
  const searchFields: readonly string[] = Array.isArray(searchOption)
    ? searchOption
    : (searchOption as { fields: readonly string[] }).fields;
  const searchMode = Array.isArray(searchOption)
    ? 'words'
    : (searchOption as { mode: 'contains' | 'fulltext' }).mode;
  if (searchMode !== 'words' && searchMode !== 'contains' && searchMode !== 'fulltext')
    throw configError(`search: mode '${String(searchMode)}' is not 'contains' or 'fulltext'`);
  const searchLanguage = Array.isArray(searchOption)
    ? 'english'
    : ((searchOption as { language?: string }).language ?? 'english');
  if (!/^[a-z_]+$/.test(searchLanguage))
    throw configError(`search: language '${searchLanguage}' is not a text search configuration name`);
  const search = searchFields.map((name) => {
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
          maxOffset: options.pagination?.maxOffset ?? MAX_OFFSET,
        };
  if (pagination && pagination.pageSize > pagination.maxPageSize)
    throw configError(`pagination: pageSize ${pagination.pageSize} is above maxPageSize`);
  const count = options.count ?? 'estimate';
  if (count !== 'exact' && count !== 'estimate' && count !== 'none')
    throw configError(`count: '${String(count)}' is not 'exact', 'estimate' or 'none'`);
  const exactCountLimit = options.exactCountLimit ?? EXACT_COUNT_LIMIT;
  if (!Number.isSafeInteger(exactCountLimit) || exactCountLimit < 0)
    throw configError('exactCountLimit: must be a non-negative integer');
  const searchTarget: SearchTarget | null =
    searchMode === 'words'
      ? null
      : {
          table: model.meta.table,
          columns: search.map((attribute) => fieldMeta(model, attribute)!.column!),
          mode: searchMode,
          language: searchLanguage,
        };
  return {
    filters,
    search,
    searchMode,
    searchLanguage,
    searchTarget,
    ordering,
    defaultOrdering,
    pagination,
    count,
    exactCountLimit,
    sparse: options.sparseFields ?? true,
  };
}
