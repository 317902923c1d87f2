import { hasPostgres, POSTGRES_URL } from '../../support/postgres.js';

/** The PostgreSQL server the suite uses (`test` database, trust auth). */
export const PG_URL = POSTGRES_URL;

/** The databases the fixture suite runs on; PostgreSQL only when it answers. */
export const dialects = [
  { name: 'sqlite' as const, url: 'sqlite::memory:', skip: false },
  { name: 'postgres' as const, url: PG_URL, skip: !hasPostgres },
];
