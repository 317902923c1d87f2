// The app both tracing benches measure: GET /books/:id reading one row of SQLite (in a folder
// of its own), with or without tracing().
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BasaltApp, createApp, defineApp } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { get, t } from 'basalt/http';
import { tracing } from 'basalt/server';

const Book = defineModel('bench_book', { title: f.string({ max: 100 }) });
const book = get('/books/:id', { params: t.Object({ id: t.Integer() }) }, ({ params, db }) =>
  db.get(Book, params.id),
);

/** The app with its table and `books` rows (ids 1..books), not yet started. */
export async function bookApp(traced: boolean, books: number): Promise<BasaltApp> {
  const folder = mkdtempSync(join(tmpdir(), 'basalt-bench-tracing-'));
  const app = await createApp(
    defineApp({ name: 'bench-tracing', models: [Book], modules: traced ? [tracing()] : [], routes: [book] }),
    {
      envFile: false,
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
        LOG_LEVEL: 'silent',
        DATABASE_URL: `sqlite:${join(folder, 'bench.db')}`,
      },
    },
  );
  await app.db!.createTables();
  for (let i = 1; i <= books; i += 1) await app.db!.create(Book, { title: `Book ${i}` });
  return app;
}
