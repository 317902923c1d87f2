// The REST benchmark's data: the data-layer bench's authors and books (bench/db/schema.ts) in
// a PostgreSQL schema of its own, created and seeded by whichever implementation starts first.
import { createDatabase } from 'basalt/db';
import pg from 'pg';
import { Author, Book, models, seedAuthor, seedBook } from '../db/schema.js';

export const SCHEMA = 'bench_rest';
export const SEED = { authors: 1_000, books: 10_000 };
export const POOL_SIZE = 10;

/** The bench's PostgreSQL server (BENCH_DATABASE_URL, else the local `test` database). */
export const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The same URL with the bench schema first on the search path (libpq's `options`). */
export const DATABASE_URL = `${BASE_URL}${BASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${SCHEMA}`)}`;

/** Creates and seeds the schema unless a previous start did, else trims it back to the seed; safe when two processes race. */
export async function prepareRestBench(): Promise<void> {
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock(424242)');
    await admin.query(`create schema if not exists ${SCHEMA}`);
    const { rows } = await admin.query<{ n: string | null }>(
      `select to_regclass('${SCHEMA}.bench_book')::text as n`,
    );
    if (rows[0]?.n) {
      // The create suite inserts books; every start goes back to the seed, so a list's count
      // (a scan of the table) costs the same for every implementation and every run.
      await admin.query(`delete from ${SCHEMA}.bench_book where id > ${SEED.books}`);
      // The deleted rows stay as dead tuples until a vacuum, and the count scans them: after a
      // few create runs the table held 410,000 dead rows for 10,000 live ones and every list
      // ran at a fifteenth of its speed. Rewrite it, so every run starts from the same table.
      await admin.query(`vacuum full analyze ${SCHEMA}.bench_book`);
      return;
    }
    const db = createDatabase({ url: BASE_URL, models, searchPath: SCHEMA, poolSize: 2 });
    try {
      await db.createTables();
      await db.transaction(async (tx) => {
        await tx.createMany(
          Author,
          Array.from({ length: SEED.authors }, (_, i) => seedAuthor(i + 1)),
        );
        await tx.createMany(
          Book,
          Array.from({ length: SEED.books }, (_, i) => seedBook(i + 1, SEED.authors)),
        );
      });
    } finally {
      await db.close();
    }
    await admin.query(`analyze ${SCHEMA}.bench_author; analyze ${SCHEMA}.bench_book`);
  } finally {
    await admin.query('select pg_advisory_unlock(424242)').catch(() => undefined);
    await admin.end();
  }
}
