import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { columnRef } from '../context.js';
import { type OrderItem, orderSql } from './order.js';

/** The column of {@link matchesPageSql}'s rows holding how many rows match (at most `upTo + 1`). */
export const MATCHING_COLUMN = 'basalt_matching';

/** What {@link matchesPageSql} reads: a query's table, condition, ordering, columns and page. */
export interface MatchesPage {
  /** `"table" as t0`. */
  from: RawBuilder<unknown>;
  where: RawBuilder<SqlBool>;
  order: OrderItem[];
  /** The columns of the page's rows (aliased `t0`). */
  columns: RawBuilder<unknown>;
  upTo: number;
  limit: number;
  offset: number;
}

/**
 * A page and the number of matching rows from one set of matches (a search's): the keys and
 * order columns of at most `upTo + 1` matching rows are read once, counted, the page taken
 * from them in order, and its rows read by primary key. The condition is checked once per
 * candidate, where a count and a page would each check it; and the page is never read by
 * walking the ordering's index with the condition as a filter, which a planner misjudging how
 * many rows match chooses (PostgreSQL, `pg_trgm`: 320 ms for 280 matches of a million).
 */
export function matchesPageSql(page: MatchesPage): RawBuilder<unknown> {
  const matches = sql.id('basalt_matches');
  const id = columnRef('t0', 'id');
  const keys = [...new Set(['id', ...page.order.map((item) => item.field.column!)])];
  const order = orderSql(page.order, 't0');
  return sql`with ${matches} as materialized (select ${sql.join(keys.map((c) => columnRef('t0', c)))} from ${page.from} where ${page.where} limit ${sql.raw(String(page.upTo + 1))}) select ${page.columns}, (select count(*) from ${matches}) as ${sql.id(MATCHING_COLUMN)} from ${page.from} where ${id} in (select ${id} from ${matches} as t0 order by ${order} limit ${sql.raw(String(page.limit))} offset ${sql.raw(String(page.offset))}) order by ${order}`;
}
