import { BasaltError, NotFoundError } from '../core/index.js';
import type { AnyModel, Query } from '../db/index.js';
import {
  cursorOfRow,
  FROM_MATCHES,
  ORDER_INDEX,
  RANK_FIRST,
  RAW_CONDITION,
  searchCondition,
  searchRank,
} from '../db/internal.js';
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
  const terms = searchWords(query, params);
  if (terms === null) return where;
  const target = query.searchTarget;
  if (target !== null) {
    // Served by the search index (see the searchIndex migration operation).
    where.push({
      [RAW_CONDITION]: (alias: string, dialect: 'sqlite' | 'postgres') =>
        searchCondition(dialect, target, terms, alias),
    });
    return where;
  }
  // Every word must appear in one of the fields (Django REST framework's SearchFilter).
  for (const term of terms)
    where.push({ or: query.search.map((attribute) => ({ [attribute]: { icontains: term } })) });
  return where;
}

/** The words of `search`, or null when the list is not searched. */
export function searchWords(query: QueryPlan, params: ListParams): string[] | null {
  const search = typeof params.search === 'string' ? params.search.trim() : '';
  if (!search || query.search.length === 0) return null;
  const terms = search.split(/\s+/);
  if (terms.length > MAX_SEARCH_TERMS)
    throw invalid(
      'search',
      `has more than ${MAX_SEARCH_TERMS} words`,
      `Search for at most ${MAX_SEARCH_TERMS} words`,
    );
  return terms;
}

/**
 * A `fulltext` search without an `ordering` comes by relevance (then the list's order):
 * the query ranked, or null when the list is not ranked.
 */
export function rankedBySearch(query: AnyQuery, plan: QueryPlan, params: ListParams): AnyQuery | null {
  const target = plan.searchTarget;
  if (
    target === null ||
    target.mode !== 'fulltext' ||
    params.ordering !== undefined ||
    params.cursor !== undefined
  )
    return null;
  const terms = searchWords(plan, params);
  if (terms === null) return null;
  return query[RANK_FIRST]((alias, dialect) => searchRank(dialect, target, terms, alias));
}

/** Order keys of a list: `ordering` or the default, always ending with the primary key (`id`, or `-id` after a descending key). */
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
  // The key breaks ties in the direction of the last key, so that one index over the
  // ordering's fields and the key serves the whole ORDER BY and its keyset.
  if (!keys.some((k) => k === 'id' || k === '-id'))
    keys.push(keys[keys.length - 1]?.startsWith('-') ? '-id' : 'id');
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
  /** The count is an estimate (above the collection's `exactCountLimit`). */
  countIsEstimate?: boolean;
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

/** The count of a page-number list, as its collection asks (see `CountMode`). */
async function countRows(query: AnyQuery, plan: QueryPlan): Promise<{ count?: number; estimate?: boolean }> {
  if (plan.count === 'none') return {};
  if (plan.count === 'exact') return { count: await query.count() };
  const limit = plan.exactCountLimit;
  const capped = await query.count({ upTo: limit });
  if (capped <= limit) return { count: capped };
  // More than the limit: the planner's estimate (PostgreSQL), never below what was counted.
  const estimate = await query.estimateCount();
  return { count: Math.max(estimate ?? 0, capped), estimate: true };
}

/** What a list asks for, as far as running its page goes. */
export interface PageShape {
  /** Ordered by a search's relevance (no keyset). */
  ranked?: boolean;
  /** A declared filter is given. */
  filtered?: boolean;
  /** `search` is given. */
  searched?: boolean;
}

/** An exact count as the collection shows it (none for `count: 'none'`). */
function countOf(plan: QueryPlan, count: number): { count?: number } {
  return plan.count === 'none' ? {} : { count };
}

/** The count a page gives itself: a page short of full ends the list (none on an empty page past the first). */
function countOfPage(
  plan: QueryPlan,
  offset: number,
  fetched: number,
  size: number,
): { count?: number } | null {
  if (fetched > size || (fetched === 0 && offset > 0)) return null;
  return countOf(plan, offset + fetched);
}

/**
 * Runs a paginated list: page numbers (with a count) within `maxOffset` rows, keyset cursors
 * in both directions past them, for big lists and for `style: 'cursor'`.
 */
export async function runPage(
  model: AnyModel,
  query: AnyQuery,
  plan: QueryPlan,
  keys: string[],
  params: ListParams,
  shape: PageShape = {},
): Promise<PageResult> {
  const ranked = shape.ranked === true;
  const pagination = plan.pagination;
  if (!pagination)
    return { rows: (await query.orderBy(...(keys as never[])).all()) as Row[], next: null, previous: null };
  const size = pageSizeOf(params, pagination.pageSize, pagination.maxPageSize);
  // Relevance has no keyset: a ranked list (narrow, by nature) pages by number.
  const paged = pagination.style === 'page' || ranked;
  if (paged && params.cursor === undefined) {
    const page = params.page ?? 1;
    if (typeof page !== 'number' || !Number.isInteger(page) || page < 1)
      throw invalid('page', 'must be an integer from 1');
    const offset = (page - 1) * size;
    if (offset >= pagination.maxOffset) {
      // A page past the last is a 404 as on any list; one that exists is too deep to skip to.
      const matching = await query.count({ upTo: offset });
      if (matching <= offset)
        throw new NotFoundError(
          `Page ${page} does not exist; the last page is ${Math.max(1, Math.ceil(matching / size))}`,
        );
      throw invalid(
        'page',
        `starts past row ${pagination.maxOffset}; follow the next links (they carry a cursor past it)`,
        `Page ${page} is too deep for page numbers: follow the next links, which carry a cursor`,
      );
    }
    const pageQuery = query
      .orderBy(...(keys as never[]))
      .offset(offset)
      .limit(size + 1);
    // A filter matching more rows than are counted is walked in the ordering's index (SQLite
    // only: see ORDER_INDEX); that needs the count first. A search reads its page and count
    // from one capped set of matches (FROM_MATCHES: each candidate of the index checked once);
    // with more matches than are counted, or ranked, it reads the page first, which is the
    // count when short of full. Otherwise the count and the page are independent: on a pool
    // they run side by side.
    const hinted = shape.filtered && !ranked ? pageQuery[ORDER_INDEX]() : null;
    let counted: { count?: number; estimate?: boolean };
    let fetched: Row[];
    if (hinted !== null) {
      counted = await countRows(query, plan);
      fetched = (await (counted.estimate ? hinted : pageQuery).all()) as Row[];
    } else if (shape.searched) {
      const matched = await pageQuery[FROM_MATCHES](plan.exactCountLimit);
      fetched = (matched?.rows ?? (await pageQuery.all())) as Row[];
      counted =
        matched?.matching != null
          ? countOf(plan, matched.matching)
          : (countOfPage(plan, offset, fetched.length, size) ?? (await countRows(query, plan)));
    } else
      [counted, fetched] = (await Promise.all([countRows(query, plan), pageQuery.all()])) as [
        { count?: number; estimate?: boolean },
        Row[],
      ];
    const hasNext = fetched.length > size;
    const rows = hasNext ? fetched.slice(0, size) : fetched;
    if (page > 1 && rows.length === 0) {
      const last =
        counted.count === undefined || counted.estimate ? null : Math.max(1, Math.ceil(counted.count / size));
      throw new NotFoundError(
        last === null
          ? `Page ${page} does not exist`
          : `Page ${page} does not exist; the last page is ${last}`,
      );
    }
    // Past the page depth, or on a list too big to count, the next page is a keyset page.
    const keyset = !ranked && (counted.estimate === true || offset + size >= pagination.maxOffset);
    const last = rows[rows.length - 1];
    const result: PageResult = {
      rows,
      next:
        !hasNext || !last
          ? null
          : keyset
            ? { cursor: `n.${cursorOfRow(model, keys, last)}` }
            : { page: String(page + 1) },
      previous: page > 1 ? { page: String(page - 1) } : null,
    };
    if (counted.count !== undefined) result.count = counted.count;
    if (counted.estimate) result.countIsEstimate = true;
    return result;
  }
  const cursor = typeof params.cursor === 'string' ? params.cursor : null;
  const backward = cursor?.startsWith('p.') ?? false;
  if (cursor && !backward && !cursor.startsWith('n.'))
    throw new BasaltError('BASALT_VALIDATION_FAILED', 'Malformed cursor', {
      errors: [{ pointer: '/query/cursor', detail: 'is not a cursor this API gave' }],
    });
  const order = backward ? keys.map(flip) : keys;
  const [counted, result] = await Promise.all([
    paged ? countRows(query, plan) : Promise.resolve({} as { count?: number; estimate?: boolean }),
    query.orderBy(...(order as never[])).page({ limit: size, after: cursor ? cursor.slice(2) : null }),
  ]);
  const rows = result.items as Row[];
  if (backward) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  const hasNext = backward ? rows.length > 0 : result.hasMore;
  const hasPrevious = backward ? result.hasMore : cursor !== null && rows.length > 0;
  const page: PageResult = {
    rows,
    next:
      hasNext && last
        ? {
            cursor: `n.${!backward && result.nextCursor ? result.nextCursor : cursorOfRow(model, keys, last)}`,
          }
        : null,
    previous: hasPrevious && first ? { cursor: `p.${cursorOfRow(model, keys, first)}` } : null,
  };
  if (counted.count !== undefined) page.count = counted.count;
  if (counted.estimate) page.countIsEstimate = true;
  return page;
}
