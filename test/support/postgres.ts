import { answers } from './answers.js';

/**
 * The PostgreSQL server test suites use: TEST_DATABASE_URL, else DATABASE_URL when it is a
 * PostgreSQL URL, else the machine's local server (`test` database, trust auth).
 */
export const POSTGRES_URL =
  process.env.TEST_DATABASE_URL ??
  (process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined) ??
  'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether PostgreSQL answers. Suites skip their PostgreSQL cases when it does not — except
 * under BASALT_REQUIRE_SERVICES (set by .ci/run), where a missing server is an error, so CI
 * can never pass by skipping.
 */
export const hasPostgres = await answers(POSTGRES_URL, 5432);
if (!hasPostgres) {
  if (process.env.BASALT_REQUIRE_SERVICES) throw new Error(`PostgreSQL does not answer at ${POSTGRES_URL}`);
  console.warn(`PostgreSQL at ${POSTGRES_URL} does not answer: PostgreSQL test cases are SKIPPED`);
}
