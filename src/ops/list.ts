import { BasaltError, NotFoundError } from '../core/index.js';
import type { AnyModel, Query } from '../db/index.js';
import { cursorOfRow } from '../db/internal.js';
import type { FieldPlan, IncludePlan } from './plan.js';
import { MAX_SEARCH_TERMS, type QueryPlan } from './query-plan.js';

type Row = Record<string, unknown>;
type AnyQuery = Query<AnyModel>;

/**
 * What a list or a read asks for, as REST's query string carries it: declared filters by
 * parameter (`price[lt]`, `status`), `search`, `ordering` (`-price,title`), `page` or
 * `cursor`, `pageSize`, `include` (`author,tags`) and `fields` (`title,price`).
 */
export type ListParams = Readonly<Record<string, unknown>>;

function invalid(param: string, detail: string, message = `Invalid query parameter '${param}'`): BasaltError {
  return new BasaltError('BASALT_VALIDATION_FAILED', message, {
    errors: [{ pointer: `/query/${param}`, detail }],
  });
}

/** The `where` of a list: declared filters and search. */
export function listWhere(query: QueryPlan, params: ListParams): Row[] {
  const where: Row[] = [];
  for (const filter of query.filters) {
    const value = params[filter.param];
    if (value === undefined) continue;
    where.push({ [filter.attribute]: { [filter.lookup]: value } });
  }
  const search = typeof params.search === 'string' ? params.search.trim() : '';
  if (search && query.search.length > 0) {
    const terms = search.split(/\s+/);
    if (terms.length > MAX_SEARCH_TERMS)
      throw invalid(
        'search',
        `has more than ${MAX_SEARCH_TERMS} words`,
        `Search for at most ${MAX_SEARCH_TERMS} words`,
      );
    // Every word must appear in one of the fields (Django REST framework's SearchFilter).
    for (const term of terms)
      where.push({ or: query.search.map((attribute) => ({ [attribute]: { icontains: term } })) });
  }
  return where;
}

/** Order keys of a list: `ordering` or the default, always ending with the primary key. */
export function listOrder(query: QueryPlan, params: ListParams): string[] {
  const keys =
    typeof params.ordering === 'string'
      ? params.ordering.split(',').map((key) => {
          const desc = key.startsWith('-');
          const attribute = query.ordering.get(desc ? key.slice(1) : key);
          if (attribute === undefined) throw invalid('ordering', `'${key}' is not a field to order by`);
          return desc ? `-${attribute}` : attribute;
        })
      : [...query.defaultOrdering];
  if (!keys.some((k) => k === 'id' || k === '-id')) keys.push('id');
  return keys;
}

/** What `include` asks for: the paths to load and the plans to show them. */
export interface RequestedIncludes {
  readonly paths: readonly string[];
  readonly top: readonly IncludePlan[];
}

const NO_INCLUDES: RequestedIncludes = { paths: [], top: [] };
/** Resolved `include` values per plan: a few distinct values are asked for again and again. */
const resolvedIncludes = new WeakMap<FieldPlan, Map<string, RequestedIncludes>>();
const MAX_CACHED_INCLUDES = 64;

/** The relations a call includes, as plans; nested paths bring their parents. */
export function requestedIncludes(plan: FieldPlan, params: ListParams): RequestedIncludes {
  const value = params.include;
  if (typeof value !== 'string' || value === '') return NO_INCLUDES;
  let cache = resolvedIncludes.get(plan);
  if (!cache) {
    cache = new Map();
    resolvedIncludes.set(plan, cache);
  }
  let resolved = cache.get(value);
  if (!resolved) {
    resolved = resolveIncludes(plan, value);
    // Declared paths only, but their combinations are many: keep a few.
    if (cache.size < MAX_CACHED_INCLUDES) cache.set(value, resolved);
  }
  return resolved;
}

function resolveIncludes(plan: FieldPlan, include: string): RequestedIncludes {
  const paths = new Set<string>();
  for (const path of include.split(',')) {
    if (!plan.includeByPath.has(path)) throw invalid('include', `'${path}' is not a relation to include`);
    const parts = path.split('.');
    for (let i = 1; i <= parts.length; i += 1) paths.add(parts.slice(0, i).join('.'));
  }
  const prune = (list: readonly IncludePlan[]): IncludePlan[] =>
    list.filter((p) => paths.has(p.path)).map((p) => ({ ...p, children: prune(p.children) }));
  // The query layer loads `a.b` after `a`; giving only the leaves avoids loading `a` twice.
  const leaves = [...paths].filter((p) => ![...paths].some((q) => q.startsWith(`${p}.`)));
  return { paths: leaves, top: prune(plan.includes) };
}

/** The fields a call asks for (`fields`), or null for all. */
export function requestedFields(params: ListParams): Set<string> | null {
  return typeof params.fields === 'string' && params.fields !== '' ? new Set(params.fields.split(',')) : null;
}

/** One page of rows and the parameters of the pages around it. */
export interface PageResult {
  rows: Row[];
  count?: number;
  next: Record<string, string> | null;
  previous: Record<string, string> | null;
}

function flip(key: string): string {
  return key.startsWith('-') ? key.slice(1) : `-${key}`;
}

function pageSizeOf(params: ListParams, pageSize: number, max: number): number {
  const size = params.pageSize;
  if (size === undefined) return pageSize;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > max)
    throw invalid('pageSize', `must be an integer from 1 to ${max}`);
  return size;
}

/** Runs a paginated list: page numbers with a count, or keyset cursors in both directions. */
export async function runPage(
  model: AnyModel,
  query: AnyQuery,
  plan: QueryPlan,
  keys: string[],
  params: ListParams,
): Promise<PageResult> {
  const pagination = plan.pagination;
  if (!pagination)
    return { rows: (await query.orderBy(...(keys as never[])).all()) as Row[], next: null, previous: null };
  const size = pageSizeOf(params, pagination.pageSize, pagination.maxPageSize);
  if (pagination.style === 'page') {
    const page = params.page ?? 1;
    if (typeof page !== 'number' || !Number.isInteger(page) || page < 1)
      throw invalid('page', 'must be an integer from 1');
    // The count and the page are independent: on a pool they run side by side.
    const [count, rows] = (await Promise.all([
      query.count(),
      query
        .orderBy(...(keys as never[]))
        .offset((page - 1) * size)
        .limit(size)
        .all(),
    ])) as [number, Row[]];
    const pages = Math.max(1, Math.ceil(count / size));
    if (page > pages) throw new NotFoundError(`Page ${page} does not exist; the last page is ${pages}`);
    return {
      rows,
      count,
      next: page < pages ? { page: String(page + 1) } : null,
      previous: page > 1 ? { page: String(page - 1) } : null,
    };
  }
  const cursor = typeof params.cursor === 'string' ? params.cursor : null;
  const backward = cursor?.startsWith('p.') ?? false;
  if (cursor && !backward && !cursor.startsWith('n.'))
    throw new BasaltError('BASALT_VALIDATION_FAILED', 'Malformed cursor', {
      errors: [{ pointer: '/query/cursor', detail: 'is not a cursor this API gave' }],
    });
  const order = backward ? keys.map(flip) : keys;
  const result = await query
    .orderBy(...(order as never[]))
    .page({ limit: size, after: cursor ? cursor.slice(2) : null });
  const rows = result.items as Row[];
  if (backward) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  const hasNext = backward ? rows.length > 0 : result.hasMore;
  const hasPrevious = backward ? result.hasMore : cursor !== null && rows.length > 0;
  return {
    rows,
    next:
      hasNext && last
        ? {
            cursor: `n.${!backward && result.nextCursor ? result.nextCursor : cursorOfRow(model, keys, last)}`,
          }
        : null,
    previous: hasPrevious && first ? { cursor: `p.${cursorOfRow(model, keys, first)}` } : null,
  };
}
