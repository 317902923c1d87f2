import { type Kysely, sql } from 'kysely';
import { BasaltError } from '../../core/index.js';
import { assertHitArguments, type RateLimitHit, type RateLimitStore } from './store.js';

/** Options for {@link createDatabaseRateLimitStore}. */
export interface DatabaseRateLimitStoreOptions {
  /** A Kysely instance on SQLite or PostgreSQL (the app's database). */
  kysely: Kysely<unknown>;
  /**
   * Name of the counters table (default `basalt_rate_limit`, the table of `RateLimitModel`,
   * which `basalt migrate` creates in an app). It must exist: the store does not create it.
   */
  table?: string;
  /** Closes `kysely` when the store closes (a connection opened for the store alone). */
  owned?: boolean;
}

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
// Expired rows are deleted every this many hits, by the process that makes that hit.
const SWEEP_EVERY = 500;

class DatabaseStore implements RateLimitStore {
  readonly #db: Kysely<unknown>;
  readonly #table: ReturnType<typeof sql.table>;
  readonly #owned: boolean;
  #hits = 0;
  #closed = false;

  constructor(db: Kysely<unknown>, table: string, owned: boolean) {
    this.#db = db;
    this.#table = sql.table(table);
    this.#owned = owned;
  }

  /** Refuses a missing table (or one without the columns) with an error saying what to run. */
  async assertTable(name: string): Promise<void> {
    try {
      await sql`select key, count, reset_at from ${this.#table} where 1 = 0`.execute(this.#db);
    } catch (error) {
      if (!isMissingRelation(error)) throw error;
      throw new BasaltError(
        'BASALT_CONFIG_INVALID',
        `The rate-limit table ${name} does not exist (or lacks key, count and reset_at): run \`basalt migrate\` (\`basalt makemigrations\` writes it into the app's migrations; outside an app, create the tables of RateLimitModel)`,
        { cause: error },
      );
    }
  }

  async hit(key: string, windowMs: number, cost = 1): Promise<RateLimitHit> {
    assertHitArguments(windowMs, cost);
    if (this.#closed) throw new Error('The rate-limit store is closed');
    const now = Date.now();
    // One statement, atomic on both databases: open a window for a new or expired key,
    // else add to the open one. PostgreSQL locks the row; SQLite the whole file.
    const t = this.#table;
    const result = await sql<{ count: number | string; reset_at: number | string }>`
      insert into ${t} (key, count, reset_at) values (${key}, ${cost}, ${now + windowMs})
      on conflict (key) do update set
        count = case when ${t}.reset_at <= ${now} then excluded.count else ${t}.count + excluded.count end,
        reset_at = case when ${t}.reset_at <= ${now} then excluded.reset_at else ${t}.reset_at end
      returning count, reset_at`.execute(this.#db);
    const row = result.rows[0];
    if (row === undefined) throw new Error('The rate-limit statement returned no row');
    this.#hits += 1;
    if (this.#hits % SWEEP_EVERY === 0)
      await sql`delete from ${t} where reset_at <= ${now}`.execute(this.#db);
    return { count: Number(row.count), resetAt: Number(row.reset_at) };
  }

  async reset(key: string): Promise<void> {
    await sql`delete from ${this.#table} where key = ${key}`.execute(this.#db);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.#db.destroy();
  }
}

/** SQLite's "no such table/column", PostgreSQL's undefined_table (42P01) and undefined_column (42703). */
function isMissingRelation(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === '42P01' || code === '42703') return true;
  return typeof message === 'string' && /no such (table|column)/.test(message);
}

/**
 * A store that keeps counters in a table of the app's database (SQLite or PostgreSQL), so
 * every worker process of a deployment shares them with no extra service. Each hit is one
 * `INSERT … ON CONFLICT DO UPDATE … RETURNING`. The table is the app's (`RateLimitModel`,
 * created by its migrations); a missing one is refused with `BASALT_CONFIG_INVALID`.
 *
 * @example
 * const store = await createDatabaseRateLimitStore({ kysely: app.db!.kysely });
 */
export async function createDatabaseRateLimitStore(
  options: DatabaseRateLimitStoreOptions,
): Promise<RateLimitStore> {
  const table = options.table ?? 'basalt_rate_limit';
  if (!TABLE_NAME.test(table))
    throw new TypeError(`Not a valid table name for rate-limit counters: ${table}`);
  const store = new DatabaseStore(options.kysely, table, options.owned ?? false);
  try {
    await store.assertTable(table);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
