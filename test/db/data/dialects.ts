import pg from 'pg';

/** The PostgreSQL server the suite uses (`test` database, trust auth). */
export const PG_URL = process.env.DATABASE_URL?.startsWith('postgres')
  ? process.env.DATABASE_URL
  : 'postgres://postgres@127.0.0.1:5432/test';

async function pgAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const pgUp = await pgAnswers();
if (!pgUp) console.warn(`PostgreSQL at ${PG_URL} does not answer: the PostgreSQL fixture tests are skipped`);

/** The databases the fixture suite runs on; PostgreSQL only when it answers. */
export const dialects = [
  { name: 'sqlite' as const, url: 'sqlite::memory:', skip: false },
  { name: 'postgres' as const, url: PG_URL, skip: !pgUp },
];
