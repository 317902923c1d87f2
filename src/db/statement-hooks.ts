import type {
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  QueryCompiler,
} from 'kysely';

/**
 * Runs around every statement a database sends (tracing): answers what `run` answers.
 * `text` is the parameterised SQL, never its values.
 */
export type StatementWrapper = <T>(text: string, run: () => Promise<T>) => Promise<T>;

/**
 * The wrapper of one database (its primary and replicas), set after the database exists
 * (`tracing()` starts after `createApp` opened it). Undefined: statements run as they are.
 */
export interface StatementHooks {
  wrap: StatementWrapper | undefined;
  /** The Kysely drivers of the database's servers, patched when a wrapper is first set. */
  readonly drivers: Driver[];
}

/** Hooks with no wrapper yet. */
export function statementHooks(): StatementHooks {
  return { wrap: undefined, drivers: [] };
}

/**
 * `dialect`, its driver recorded in `hooks` so {@link wrapStatements} can reach Kysely's
 * statements (transactions and SQLite included) without a layer on the path until then.
 */
export function hookedDialect(dialect: Dialect, hooks: StatementHooks): Dialect {
  return new HookedDialect(dialect, hooks);
}

class HookedDialect implements Dialect {
  readonly #inner: Dialect;
  readonly #hooks: StatementHooks;

  constructor(inner: Dialect, hooks: StatementHooks) {
    this.#inner = inner;
    this.#hooks = hooks;
  }

  createDriver(): Driver {
    const driver = this.#inner.createDriver();
    this.#hooks.drivers.push(driver);
    if (this.#hooks.wrap !== undefined) patchDriver(driver, this.#hooks);
    return driver;
  }

  createQueryCompiler(): QueryCompiler {
    return this.#inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.#inner.createAdapter();
  }

  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]): DatabaseIntrospector {
    return this.#inner.createIntrospector(db);
  }
}

const patchedDrivers = new WeakSet<Driver>();

/**
 * Sets (or, with undefined, clears) the wrapper around every statement of the database that
 * `hooks` belongs to. The first wrapper patches the drivers' connections; clearing leaves
 * one `undefined` check per statement.
 */
export function wrapStatements(hooks: StatementHooks, wrap: StatementWrapper | undefined): void {
  hooks.wrap = wrap;
  if (wrap !== undefined) for (const driver of hooks.drivers) patchDriver(driver, hooks);
}

function patchDriver(driver: Driver, hooks: StatementHooks): void {
  if (patchedDrivers.has(driver)) return;
  patchedDrivers.add(driver);
  const acquire = driver.acquireConnection.bind(driver);
  const patched = new WeakSet<DatabaseConnection>();
  driver.acquireConnection = async () => {
    const connection = await acquire();
    // Kysely keeps connection objects (one per pg client, one for SQLite): patched once each,
    // in place, as Kysely's own query log does, so the driver still recognises them.
    if (!patched.has(connection)) {
      patched.add(connection);
      const execute = connection.executeQuery.bind(connection);
      connection.executeQuery = (query) => {
        const wrap = hooks.wrap;
        return wrap === undefined ? execute(query) : wrap(query.sql, () => execute(query));
      };
    }
    return connection;
  };
}
