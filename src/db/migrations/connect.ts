import { Kysely } from 'kysely';
import { postgresAdapter } from '../dialects/postgres.js';
import { sqliteAdapter } from '../dialects/sqlite.js';
import { MigrationError } from './errors.js';
import type { MigrationDatabase } from './operation.js';

/** A Kysely instance for a `DATABASE_URL`, with its dialect name. */
export interface MigrationConnection {
  kysely: Kysely<MigrationDatabase>;
  dialect: 'sqlite' | 'postgres';
}

/** The dialect a database URL names. */
export function dialectOf(url: string): 'sqlite' | 'postgres' {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:/.test(url)) return 'postgres';
  throw new MigrationError(
    'BASALT_MIGRATION_INVALID',
    `DATABASE_URL must start with sqlite: or postgres://, got '${url.split(':')[0]}:'`,
  );
}

/** Opens a connection for migration commands (destroy `kysely` when done). */
export function connectForMigrations(url: string): MigrationConnection {
  const dialect = dialectOf(url);
  const adapter = dialect === 'sqlite' ? sqliteAdapter : postgresAdapter;
  return {
    kysely: new Kysely<MigrationDatabase>({ dialect: adapter.createDialect({ url, poolSize: 2 }) }),
    dialect,
  };
}
