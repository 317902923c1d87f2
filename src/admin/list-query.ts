import { badQuery, type Row, single } from './context.js';
import { type AdminModel, metaOf, RANGED } from './registry.js';

/** A list's query string read into the operation layer's parameters, and what the links keep. */
export interface ListQuery {
  /** Parameters of `listObjects` (filters, `search`, `ordering`, `cursor`). */
  readonly params: Row;
  /** The query parameters the page's links carry on (filters, `q`, `o`), as given. */
  readonly current: Readonly<Record<string, string | undefined>>;
  readonly q: string | undefined;
  readonly o: string | undefined;
}

const RESERVED = new Set(['q', 'o', 'cursor', 'page']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The query parameters of a filter: `status`, or `publishedOn[gte]` and `publishedOn[lte]` for a date range. */
export function filterParams(entry: AdminModel, name: string): string[] {
  return RANGED.has(metaOf(entry.model, name)?.kind ?? '') ? [`${name}[gte]`, `${name}[lte]`] : [name];
}

/**
 * Reads a list's query: `q`, `o`, `cursor` and the filters (`extra` names more parameters the
 * caller reads itself). An unknown parameter or a bad value is a 400 naming it.
 */
export function readListQuery(entry: AdminModel, query: Row, extra: readonly string[] = []): ListQuery {
  const known = new Set([...RESERVED, ...extra, ...entry.filters.flatMap((f) => filterParams(entry, f))]);
  for (const name of Object.keys(query))
    if (!known.has(name)) throw badQuery(name, 'is not a filter of this list');
  const q = single(query, 'q');
  const o = single(query, 'o');
  const cursor = single(query, 'cursor');
  const page = single(query, 'page');
  const current: Record<string, string | undefined> = { q, o };
  const params: Row = {};
  if (q !== undefined && q.trim() !== '') {
    if (q.length > 200) throw badQuery('q', 'is longer than 200 characters');
    params.search = q;
  }
  if (o !== undefined && o !== '') {
    if (!entry.sortable.has(o.replace(/^-/, ''))) throw badQuery('o', `'${o}' is not a column to sort by`);
    params.ordering = o;
  }
  if (cursor !== undefined) params.cursor = cursor;
  else if (page !== undefined) {
    if (!/^[1-9]\d{0,5}$/.test(page)) throw badQuery('page', 'must be a page number');
    params.page = Number(page);
  }
  for (const name of entry.filters) {
    const meta = metaOf(entry.model, name)!;
    if (RANGED.has(meta.kind)) {
      for (const [param, end] of [
        [`${name}[gte]`, 'start'],
        [`${name}[lte]`, 'end'],
      ] as const) {
        const value = single(query, param);
        if (value === undefined || value === '') continue;
        if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
          throw badQuery(param, 'must be a date (YYYY-MM-DD)');
        current[param] = value;
        // A datetime range covers whole days, in UTC (the forms show times in UTC).
        params[param] =
          meta.kind === 'date'
            ? value
            : new Date(`${value}T${end === 'start' ? '00:00:00.000' : '23:59:59.999'}Z`);
      }
      continue;
    }
    const value = single(query, name);
    if (value === undefined || value === '') continue;
    current[name] = value;
    if (meta.kind === 'boolean') {
      if (value !== 'true' && value !== 'false') throw badQuery(name, 'must be true or false');
      params[name] = value === 'true';
    } else if (meta.kind === 'enum') {
      if (!meta.choices?.some((c) => c.value === value))
        throw badQuery(name, `must be one of ${(meta.choices ?? []).map((c) => c.value).join(', ')}`);
      params[name] = value;
    } else {
      if (!/^(\d{1,15}|[0-9a-fA-F-]{36})$/.test(value)) throw badQuery(name, 'must be an id');
      params[name] = /^\d+$/.test(value) ? Number(value) : value;
    }
  }
  return { params, current, q, o };
}
