import { BasaltError, NotFoundError } from '../core/index.js';
import type { AnyModel, Query } from '../db/index.js';
import type { FieldPlan, IncludePlan } from './plan.js';
import { MAX_SEARCH_TERMS, type QueryPlan } from './query-params.js';

type Row = Record<string, unknown>;
type AnyQuery = Query<AnyModel>;

/** The `where` of a list: declared filters and search (values already validated by the schema). */
export function listWhere(query: QueryPlan, params: Row): Row[] {
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
      throw new BasaltError('BASALT_VALIDATION_FAILED', `Search for at most ${MAX_SEARCH_TERMS} words`, {
        errors: [{ pointer: '/query/search', detail: `has more than ${MAX_SEARCH_TERMS} words` }],
      });
    // Every word must appear in one of the fields (Django REST framework's SearchFilter).
    for (const term of terms)
      where.push({ or: query.search.map((attribute) => ({ [attribute]: { icontains: term } })) });
  }
  return where;
}

/** Order keys of a list: `?ordering=` or the default, always ending with the primary key. */
export function listOrder(query: QueryPlan, params: Row): string[] {
  const keys =
    typeof params.ordering === 'string'
      ? params.ordering.split(',').map((key) => {
          const desc = key.startsWith('-');
          const attribute = query.ordering.get(desc ? key.slice(1) : key)!;
          return desc ? `-${attribute}` : attribute;
        })
      : [...query.defaultOrdering];
  if (!keys.some((k) => k === 'id' || k === '-id')) keys.push('id');
  return keys;
}

/** What `?include=` asks for: the paths to load and the plans to show them. */
export interface RequestedIncludes {
  readonly paths: readonly string[];
  readonly top: readonly IncludePlan[];
}

const NO_INCLUDES: RequestedIncludes = { paths: [], top: [] };
/** Resolved `?include=` values per plan: a few distinct values are asked for again and again. */
const resolvedIncludes = new WeakMap<FieldPlan, Map<string, RequestedIncludes>>();
const MAX_CACHED_INCLUDES = 64;

/** The relations a request includes (`?include=`), as plans; nested paths bring their parents. */
export function requestedIncludes(plan: FieldPlan, params: Row): RequestedIncludes {
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
    // The schema admits only declared paths, but their combinations are many: keep a few.
    if (cache.size < MAX_CACHED_INCLUDES) cache.set(value, resolved);
  }
  return resolved;
}

function resolveIncludes(plan: FieldPlan, include: string): RequestedIncludes {
  const paths = new Set<string>();
  for (const path of include.split(',')) {
    const parts = path.split('.');
    for (let i = 1; i <= parts.length; i += 1) paths.add(parts.slice(0, i).join('.'));
  }
  const prune = (list: readonly IncludePlan[]): IncludePlan[] =>
    list.filter((p) => paths.has(p.path)).map((p) => ({ ...p, children: prune(p.children) }));
  // The query layer loads `a.b` after `a`; giving only the leaves avoids loading `a` twice.
  const leaves = [...paths].filter((p) => ![...paths].some((q) => q.startsWith(`${p}.`)));
  return { paths: leaves, top: prune(plan.includes) };
}

/** The fields a request asks for (`?fields=`), or null for all. */
export function requestedFields(params: Row): Set<string> | null {
  return typeof params.fields === 'string' && params.fields !== '' ? new Set(params.fields.split(',')) : null;
}

/** One page of results and the parameters of the pages around it. */
export interface PageResult {
  rows: Row[];
  count?: number;
  next: Record<string, string> | null;
  previous: Record<string, string> | null;
}

function flip(key: string): string {
  return key.startsWith('-') ? key.slice(1) : `-${key}`;
}

/** The cursor of a row for an ordering: the same encoding as the query layer's `page()`. */
function cursorOf(row: Row, keys: readonly string[]): string {
  const values = keys.map((key) => {
    const value = row[key.replace(/^-/, '')];
    return value instanceof Date ? value.toISOString() : (value ?? null);
  });
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** Runs a paginated list: page numbers with a count, or keyset cursors in both directions. */
export async function runPage(
  query: AnyQuery,
  plan: QueryPlan,
  keys: string[],
  params: Row,
): Promise<PageResult> {
  const pagination = plan.pagination;
  if (!pagination)
    return { rows: (await query.orderBy(...(keys as never[])).all()) as Row[], next: null, previous: null };
  const size = typeof params.pageSize === 'number' ? params.pageSize : pagination.pageSize;
  if (pagination.style === 'page') {
    const page = typeof params.page === 'number' ? params.page : 1;
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
    next: hasNext && last ? { cursor: `n.${cursorOf(last, keys)}` } : null,
    previous: hasPrevious && first ? { cursor: `p.${cursorOf(first, keys)}` } : null,
  };
}
