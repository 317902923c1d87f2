import { PostgresDialect } from 'kysely';
import { BasaltError } from '../../core/index.js';
import { DEFAULT_SERVICE_TIMEOUT_MS } from '../../internal/service-errors.js';
import type { StatementHooks } from '../statement-hooks.js';
import type { ConnectOptions, ConstraintViolation, DialectAdapter, DirectPath } from './dialect.js';
import { quoteString } from './dialect.js';

const DATE_OID = 1082;
const INT8_OID = 20;

/** Distinct statements prepared by name unless the URL or the options say otherwise. */
const DEFAULT_STATEMENT_CACHE_SIZE = 500;
/** Connections per process unless the URL, DATABASE_POOL_SIZE or the options say otherwise. */
const DEFAULT_POOL_SIZE = 10;

/** Basalt's own parameters of a PostgreSQL URL, split off before pg (or psql) sees it. */
export interface PostgresUrlParams {
  /** The URL without Basalt's parameters. */
  url: string;
  /** Named prepared statements per connection (`statement_cache_size`). */
  size: number;
  /** The pool's size (`pool_size`), when the URL gives one. */
  poolSize?: number;
  /** Seconds an idle pooled connection is kept (`idle_timeout`), when the URL gives one. */
  idleTimeout?: number;
}

function wholeNumber(name: string, raw: string, min: number, hint: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min)
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `DATABASE_URL: ${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''} (${hint}), got '${raw}'`,
    );
  return Number(raw);
}

/**
 * Splits Basalt's own parameters off a PostgreSQL URL — `statement_cache_size`, `pool_size`
 * and `idle_timeout` (seconds); pg would pass them on to the server, psql refuses them — and
 * returns them: the statement cache is the options' value, else the URL's, else the default.
 * PostgreSQL's own parameters (`statement_timeout`, `application_name`, …) stay in the URL.
 * A value that is not a whole number is a configuration error, not a silent default.
 */
export function statementCacheOf(url: string, explicit?: number): PostgresUrlParams {
  const out: PostgresUrlParams = { url, size: DEFAULT_STATEMENT_CACHE_SIZE };
  const q = url.indexOf('?');
  if (q !== -1) {
    const params = new URLSearchParams(url.slice(q + 1));
    const take = (name: string) => {
      const raw = params.get(name);
      params.delete(name);
      return raw;
    };
    const cache = take('statement_cache_size');
    const pool = take('pool_size');
    const idle = take('idle_timeout');
    if (cache !== null)
      out.size = wholeNumber('statement_cache_size', cache, 0, '0 turns prepared statements off');
    if (pool !== null) out.poolSize = wholeNumber('pool_size', pool, 1, 'connections per process');
    if (idle !== null)
      out.idleTimeout = wholeNumber('idle_timeout', idle, 0, 'seconds, 0 keeps idle connections');
    if (cache !== null || pool !== null || idle !== null) {
      const left = params.toString();
      out.url = url.slice(0, q) + (left ? `?${left}` : '');
    }
  }
  if (explicit !== undefined) {
    if (!Number.isInteger(explicit) || explicit < 0)
      throw new BasaltError(
        'BASALT_CONFIG_INVALID',
        `statementCacheSize must be a whole number (0 turns prepared statements off), got ${explicit}`,
      );
    out.size = explicit;
  }
  return out;
}

/** SQLSTATEs saying a connection's named statement no longer matches what pg believes it is. */
/** SQLSTATE of a row lock refused by NOWAIT or not obtained within `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';
const STALE_PLAN = '0A000'; // feature_not_supported: "cached plan must not change result type"
const MISSING_STATEMENT = '26000'; // invalid_sql_statement_name: "prepared statement ... does not exist"

/**
 * Marks a statement whose best plan depends on its values: a search, where a trigram index
 * pays for a rare word and not for one in every row. The direct path never names such a
 * statement, so PostgreSQL plans each run with its values: after five runs of a named statement
 * it switches to a generic plan, made without them (issue 24: a search read the whole table's
 * bitmap for the common word, 110–150 ms instead of 5).
 */
export const PLAN_WITH_VALUES = '/* plan with values */';

/**
 * Names for the direct path's statements: the first `limit` distinct texts get one each
 * (`basalt_<generation>_<n>`), later ones run unnamed, so ad-hoc shapes cannot grow the
 * server's per-connection statement lists without bound. pg prepares a named statement on a
 * connection the first time it runs there and afterwards only binds and executes it.
 * Statements marked {@link PLAN_WITH_VALUES} run unnamed.
 */
class StatementNames {
  readonly #names = new Map<string, string>();
  #generation = 0;
  #missing = 0;
  #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }

  of(text: string): string | undefined {
    let name = this.#names.get(text);
    if (name === undefined && this.#names.size < this.#limit && !text.includes(PLAN_WITH_VALUES)) {
      name = `basalt_${this.#generation}_${this.#names.size}`;
      this.#names.set(text, name);
    }
    return name;
  }

  /**
   * Whether `error` says a named statement went stale on its connection: a migration changed
   * the type of a column it returns (PostgreSQL refuses to re-plan it into another row type),
   * or something dropped it (DISCARD ALL, a pooler in transaction mode). Either happens before
   * the statement runs, so it is safe to run it again. New names from then on get every
   * statement prepared afresh; a pooler that keeps dropping them turns naming off.
   */
  stale(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    const message = (error as { message?: unknown } | null)?.message;
    const stalePlan = code === STALE_PLAN && typeof message === 'string' && message.includes('cached plan');
    if (!stalePlan && code !== MISSING_STATEMENT) return false;
    this.#names.clear();
    this.#generation += 1;
    if (code === MISSING_STATEMENT && ++this.#missing >= 3) this.#limit = 0;
    return true;
  }
}

/** pg's Query class, once pg is loaded. */
let PgQuery: typeof import('pg').Query | undefined;

/**
 * A named query for `pool.query`. Made from the text and then named, because pg copies a
 * config object property by property (`cloneQueryConfig`, about 4 µs per query here) and a
 * string not at all; the pool submits a ready Query as it is.
 */
function namedQuery(name: string, text: string, values: unknown[]) {
  const query = new (PgQuery as typeof import('pg').Query)(text, values);
  (query as unknown as { name: string }).name = name;
  return query;
}

async function createPool(options: ConnectOptions) {
  let pg: typeof import('pg');
  try {
    pg = (await import('pg')).default as unknown as typeof import('pg');
    PgQuery = pg.Query;
  } catch (cause) {
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      "DATABASE_URL points at PostgreSQL but the 'pg' package is not installed: run `npm install pg`",
      { cause },
    );
  }
  // Per-pool parsers, so the process-wide pg defaults stay untouched: dates stay
  // 'YYYY-MM-DD' strings (no time-zone shift) and bigint counts become numbers.
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === DATE_OID) return (value: string) => value;
      if (oid === INT8_OID) return (value: string) => Number(value);
      return pg.types.getTypeParser(oid, format ?? 'text');
    },
  };
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    // pg's default (10 s); 0 keeps idle connections open.
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMillis: options.idleTimeoutMs }),
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
    types: types as never,
    ...(options.searchPath === undefined ? {} : { options: `-c search_path=${options.searchPath}` }),
    // A server that is down or unreachable fails a connection (and a wait for a free one)
    // within the bound, never after the OS's TCP timeout; the request answers 503.
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS,
    // A silently dropped server is noticed on idle connections too.
    keepAlive: true,
  });
  // An idle connection the server drops (a restart, an outage) is discarded by the pool and
  // reported here; without a listener the process would exit. The next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

function columnsOf(detail: unknown): string[] {
  const m = typeof detail === 'string' ? /^Key \((.+?)\)=/.exec(detail) : null;
  return m?.[1] ? m[1].split(',').map((c) => c.trim().replace(/^"|"$/g, '')) : [];
}

const CODES: Record<string, ConstraintViolation['type']> = {
  '23505': 'unique',
  '23503': 'foreignKey',
  '23502': 'notNull',
  '23514': 'check',
};

type Pool = Awaited<ReturnType<typeof createPool>>;

/** The direct path of each dialect this adapter made, for {@link postgresAdapter.directQuery}. */
const paths = new WeakMap<object, DirectPath>();

/** PostgreSQL through a pg Pool; `pg` is imported only when this dialect is used. */
export const postgresAdapter: DialectAdapter = {
  name: 'postgres',
  createDialect(options) {
    // One pool, created on first use, shared by Kysely and the direct path. Either may be
    // first; it is ended once, by whichever closes first (Kysely ends only a pool it used).
    let pool: Promise<Pool> | undefined;
    // The pool once created: the direct path then calls it without awaiting a promise.
    let ready: Pool | undefined;
    let ended: Promise<void> | undefined;
    const params = statementCacheOf(options.url, options.statementCacheSize);
    const { url, size } = params;
    // The options (from DATABASE_POOL_SIZE …) win over the URL's parameters.
    const poolSize = options.poolSize ?? params.poolSize;
    const idleTimeoutMs =
      options.idleTimeoutMs ?? (params.idleTimeout === undefined ? undefined : params.idleTimeout * 1000);
    const names = new StatementNames(size);
    const getPool = () => {
      pool ??= createPool({
        ...options,
        url,
        ...(poolSize === undefined ? {} : { poolSize }),
        ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
      }).then((created) => {
        ready = created;
        return created;
      });
      return pool;
    };
    const end = () => {
      ended ??= pool ? pool.then((p) => p.end()) : Promise.resolve();
      return ended;
    };
    const dialect = new PostgresDialect({
      pool: async () => {
        const p = await getPool();
        return { connect: () => p.connect(), end } as unknown as Pool;
      },
    });
    // pool.query checks a client out, runs the statement and releases it: what Kysely's
    // driver does in several promise layers, measured at 6-11 µs per query (bench/README,
    // techempower findings). Not an async function: one promise less per statement.
    // Statements Basalt builds have a stable text per shape, so they run as named prepared
    // statements: PostgreSQL parses and plans each once per connection, not once per query.
    const run = (p: Pool, text: string, parameters: readonly unknown[]) => {
      const values = parameters as unknown[];
      const name = names.of(text);
      if (name === undefined) return p.query(text, values);
      return (
        p.query(namedQuery(name, text, values)) as unknown as Promise<{
          rows: unknown[];
          rowCount: number | null;
        }>
      ).then(undefined, (error: unknown) =>
        names.stale(error) ? p.query(text, values) : Promise.reject(error),
      );
    };
    // Set by the metrics module: every statement of the direct path (Basalt's own statements
    // outside transactions) is timed.
    let observer: ((seconds: number) => void) | undefined;
    // Set by the database: tracing wraps each statement in a span.
    let hooks: StatementHooks | undefined;
    const timed = (p: Pool, text: string, parameters: readonly unknown[]) => {
      const wrap = hooks?.wrap;
      return wrap === undefined
        ? observed(p, text, parameters)
        : wrap(text, () => observed(p, text, parameters));
    };
    const observed = (p: Pool, text: string, parameters: readonly unknown[]) => {
      if (observer === undefined) return run(p, text, parameters);
      const report = observer;
      const start = performance.now();
      const done = () => report((performance.now() - start) / 1000);
      const pending = run(p, text, parameters);
      pending.then(done, done);
      return pending;
    };
    paths.set(dialect, {
      query: (text, parameters) =>
        ready ? timed(ready, text, parameters) : getPool().then((p) => timed(p, text, parameters)),
      close: end,
      stats: () => ({
        total: ready?.totalCount ?? 0,
        idle: ready?.idleCount ?? 0,
        waiting: ready?.waitingCount ?? 0,
      }),
      observe: (fn) => {
        observer = fn;
      },
      useHooks: (given) => {
        hooks = given;
      },
    });
    return dialect;
  },
  directQuery(dialect) {
    return paths.get(dialect);
  },
  columnType(field, targetKey) {
    switch (field.kind) {
      case 'string':
      case 'email':
      case 'url':
      case 'slug':
      case 'enum':
        return `varchar(${field.max ?? 255})`;
      case 'text':
        return 'text';
      case 'integer':
        return 'integer';
      case 'bigInteger':
        return 'bigint';
      case 'float':
        return 'double precision';
      case 'decimal':
        return `numeric(${field.precision}, ${field.scale})`;
      case 'boolean':
        return 'boolean';
      case 'date':
        return 'date';
      case 'datetime':
        return 'timestamptz';
      case 'time':
        return 'time';
      case 'uuid':
        return 'uuid';
      case 'json':
      case 'file':
        return 'jsonb';
      case 'belongsTo':
        return targetKey === 'uuid' ? 'uuid' : 'integer';
      default:
        return 'text';
    }
  },
  primaryKeyDefinition(type) {
    return type === 'uuid' ? 'uuid primary key' : 'integer generated by default as identity primary key';
  },
  literal(field, value) {
    if (value === null) return 'null';
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (typeof value === 'number') return String(value);
    if (field.kind === 'json' || field.kind === 'file') return `${quoteString(JSON.stringify(value))}::jsonb`;
    if (value instanceof Date) return quoteString(value.toISOString());
    return quoteString(String(value));
  },
  toDb(field, value) {
    if (value === null || value === undefined) return null;
    if (field.kind === 'json' || field.kind === 'file') return JSON.stringify(value);
    if (field.kind === 'datetime' && !(value instanceof Date)) return new Date(value as string);
    return value;
  },
  fromDb(field, value) {
    if (value === null || value === undefined) return null;
    if (field.kind === 'bigInteger' && typeof value === 'string') return Number(value);
    if (field.kind === 'float' && typeof value === 'string') return Number(value);
    if (field.kind === 'datetime' && !(value instanceof Date)) return new Date(value as string);
    return value;
  },
  isLockTimeout(error) {
    return (error as { code?: unknown } | null)?.code === LOCK_NOT_AVAILABLE;
  },
  classifyError(error) {
    const e = error as {
      code?: unknown;
      table?: unknown;
      column?: unknown;
      constraint?: unknown;
      detail?: unknown;
    };
    const type = typeof e?.code === 'string' ? CODES[e.code] : undefined;
    if (!type) return undefined;
    const columns = type === 'notNull' && typeof e.column === 'string' ? [e.column] : columnsOf(e.detail);
    return {
      type,
      table: typeof e.table === 'string' ? e.table : null,
      columns,
      constraint: typeof e.constraint === 'string' ? e.constraint : null,
    };
  },
};
