import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { MigrationError } from './errors.js';
import type { NamedMigration } from './migration.js';
import { applyMigrationState, backwardSteps, forwardSteps } from './migration.js';
import type { MigrationDatabase, MigrationStep } from './operation.js';
import type { ProjectState } from './state.js';
import { emptyState } from './state.js';

/** The table recording applied migrations. */
export const MIGRATIONS_TABLE = 'basalt_migrations';
/** The PostgreSQL advisory lock key taken while migrating (`basalt` in ASCII). */
export const ADVISORY_LOCK_KEY = 0x62617361;

/** Options of {@link createMigrationRunner}. */
export interface MigrationRunnerOptions<DB> {
  kysely: Kysely<DB>;
  dialect: 'sqlite' | 'postgres';
  /** Every migration, in dependency order (see `loadMigrations`). */
  migrations: readonly NamedMigration[];
  /** Progress lines (`Applying 0002_book_isbn... OK`). */
  log?: (line: string) => void;
}

/** One migration and whether it is applied. */
export interface MigrationStatus {
  name: string;
  applied: boolean;
  appliedAt: Date | null;
}

/** What a `migrate` run did. */
export interface MigrateResult {
  applied: string[];
  unapplied: string[];
}

/** Applies and unapplies migrations, recorded in {@link MIGRATIONS_TABLE}, under a lock. */
export interface MigrationRunner {
  /** Every migration with its applied state. */
  status(): Promise<MigrationStatus[]>;
  /**
   * Migrates to `target`: forwards to the newest migration when omitted, backwards to just after
   * `target` when it is applied, `'zero'` unapplies everything.
   */
  migrate(target?: string): Promise<MigrateResult>;
  /** The project state after the named migration (or all of them). */
  stateAt(name?: string): ProjectState;
}

type Db = Kysely<MigrationDatabase>;
type Conn = Kysely<MigrationDatabase>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries while SQLite reports the database busy (another process is migrating), for up to two minutes. */
async function whenNotBusy<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

async function ensureTable(db: Conn, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const at = dialect === 'postgres' ? 'timestamptz' : 'text';
  await sql
    .raw(
      `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" ("name" varchar(255) PRIMARY KEY, "applied_at" ${at} NOT NULL)`,
    )
    .execute(db);
}

async function readApplied(db: Conn): Promise<Map<string, Date>> {
  const rows = await sql<{
    name: string;
    applied_at: string | Date;
  }>`select name, applied_at from ${sql.table(MIGRATIONS_TABLE)}`.execute(db);
  return new Map(rows.rows.map((r) => [r.name, new Date(r.applied_at)]));
}

async function runSteps(db: Conn, dialect: 'sqlite' | 'postgres', steps: MigrationStep[]): Promise<void> {
  for (const step of steps) {
    if (step.kind === 'sql') await sql.raw(step.sql).execute(db);
    else await step.run({ db, dialect });
  }
}

/** A runner over a Kysely instance (SQLite or PostgreSQL). */
export function createMigrationRunner<DB>(options: MigrationRunnerOptions<DB>): MigrationRunner {
  const db = options.kysely as unknown as Db;
  const { dialect, migrations } = options;
  const log = options.log ?? (() => {});
  const states: ProjectState[] = [emptyState()];
  for (const m of migrations) states.push(applyMigrationState(m, states[states.length - 1]!));
  const indexOf = (name: string) => {
    let i = migrations.findIndex((m) => m.name === name);
    if (i < 0) i = migrations.findIndex((m) => m.name.startsWith(`${name}_`));
    if (i < 0) throw new MigrationError('BASALT_MIGRATION_NOT_FOUND', `No migration named '${name}'`);
    return i;
  };

  async function begin(conn: Conn): Promise<void> {
    if (dialect === 'postgres') {
      await sql`begin`.execute(conn);
      return;
    }
    // Foreign keys stay off during the migration (a table rebuild drops and recreates tables);
    // the pragma is ignored inside a transaction, so it is set first.
    await sql`pragma foreign_keys = off`.execute(conn);
    try {
      await whenNotBusy(() => sql`begin immediate`.execute(conn));
    } catch (error) {
      await sql`pragma foreign_keys = on`.execute(conn);
      throw error;
    }
  }

  async function finish(conn: Conn, ok: boolean): Promise<void> {
    try {
      if (ok && dialect === 'sqlite') {
        const bad = await sql`pragma foreign_key_check`.execute(conn);
        if (bad.rows.length > 0) {
          await sql`rollback`.execute(conn);
          throw new MigrationError(
            'BASALT_MIGRATION_FAILED',
            `foreign key check failed: ${JSON.stringify(bad.rows.slice(0, 5))}`,
          );
        }
      }
      await sql.raw(ok ? 'commit' : 'rollback').execute(conn);
    } finally {
      if (dialect === 'sqlite') await sql`pragma foreign_keys = on`.execute(conn);
    }
  }

  /** Applies (or unapplies) one migration in its own transaction; false when another process did it. */
  async function step(conn: Conn, index: number, direction: 'forwards' | 'backwards'): Promise<boolean> {
    const m = migrations[index]!;
    await begin(conn);
    try {
      const applied = (await readApplied(conn)).has(m.name);
      if (applied === (direction === 'forwards')) {
        await finish(conn, false);
        return false;
      }
      const steps =
        direction === 'forwards'
          ? forwardSteps(m, states[index]!, dialect)
          : backwardSteps(m, states[index]!, dialect);
      await runSteps(conn, dialect, steps);
      if (direction === 'forwards') {
        const at = dialect === 'postgres' ? new Date() : new Date().toISOString();
        await sql`insert into ${sql.table(MIGRATIONS_TABLE)} (name, applied_at) values (${m.name}, ${at})`.execute(
          conn,
        );
      } else await sql`delete from ${sql.table(MIGRATIONS_TABLE)} where name = ${m.name}`.execute(conn);
    } catch (error) {
      await finish(conn, false).catch(() => {});
      if (error instanceof MigrationError) throw error;
      throw new MigrationError(
        'BASALT_MIGRATION_FAILED',
        `Migration ${m.name} failed (${direction}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    try {
      await finish(conn, true);
    } catch (error) {
      if (error instanceof MigrationError)
        throw new MigrationError(error.code, `Migration ${m.name}: ${error.message}`);
      throw error;
    }
    return true;
  }

  async function locked<T>(fn: (conn: Conn) => Promise<T>): Promise<T> {
    return db.connection().execute(async (conn) => {
      if (dialect === 'postgres') await sql`select pg_advisory_lock(${ADVISORY_LOCK_KEY})`.execute(conn);
      try {
        await whenNotBusy(() => ensureTable(conn, dialect));
        return await fn(conn);
      } finally {
        if (dialect === 'postgres') await sql`select pg_advisory_unlock(${ADVISORY_LOCK_KEY})`.execute(conn);
      }
    });
  }

  return {
    stateAt(name) {
      return states[name === undefined ? migrations.length : indexOf(name) + 1]!;
    },
    async status() {
      return db.connection().execute(async (conn) => {
        await ensureTable(conn, dialect);
        const applied = await readApplied(conn);
        return migrations.map((m) => ({
          name: m.name,
          applied: applied.has(m.name),
          appliedAt: applied.get(m.name) ?? null,
        }));
      });
    },
    async migrate(target) {
      const result: MigrateResult = { applied: [], unapplied: [] };
      await locked(async (conn) => {
        const applied = await readApplied(conn);
        const known = new Set(migrations.map((m) => m.name));
        const unknown = [...applied.keys()].filter((n) => !known.has(n));
        if (unknown.length > 0) log(`Warning: applied migrations with no file: ${unknown.join(', ')}`);
        const keep = target === undefined ? migrations.length : target === 'zero' ? 0 : indexOf(target) + 1;
        for (let i = migrations.length - 1; i >= keep; i--) {
          if (!applied.has(migrations[i]!.name)) continue;
          log(`Unapplying ${migrations[i]!.name}...`);
          if (await step(conn, i, 'backwards')) result.unapplied.push(migrations[i]!.name);
        }
        for (let i = 0; i < keep; i++) {
          if (applied.has(migrations[i]!.name)) continue;
          log(`Applying ${migrations[i]!.name}...`);
          if (await step(conn, i, 'forwards')) result.applied.push(migrations[i]!.name);
        }
      });
      return result;
    },
  };
}
