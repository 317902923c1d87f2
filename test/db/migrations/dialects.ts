import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { connectForMigrations } from '../../../src/db/migrations/connect.js';
import type { MigrationDatabase } from '../../../src/db/migrations/operation.js';
import { hasPostgres, POSTGRES_URL } from '../../support/postgres.js';

/** The PostgreSQL server the suite uses (`test` database, trust auth). */
export const PG_ADMIN_URL = POSTGRES_URL;

/** A fresh, empty database for one test. */
export interface TestDatabase {
  url: string;
  dialect: 'sqlite' | 'postgres';
  kysely: Kysely<MigrationDatabase>;
  /** Closes connections and deletes the database. */
  destroy(): Promise<void>;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function freshSqlite(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-mig-'));
  const url = `sqlite:${join(dir, 'app.db')}`;
  const { kysely } = connectForMigrations(url);
  return {
    url,
    dialect: 'sqlite',
    kysely,
    async destroy() {
      await kysely.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freshPostgres(): Promise<TestDatabase> {
  const name = `basalt_mig_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const { kysely } = connectForMigrations(url.href);
  return {
    url: url.href,
    dialect: 'postgres',
    kysely,
    async destroy() {
      await kysely.destroy();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** The dialects the suite runs on; PostgreSQL only when it answers. */
export const dialects = [
  { name: 'sqlite' as const, skip: false, fresh: freshSqlite },
  { name: 'postgres' as const, skip: !hasPostgres, fresh: freshPostgres },
];
