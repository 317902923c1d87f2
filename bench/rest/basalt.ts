// The REST benchmark on Basalt: a resource over the bench's books, as an app would declare it.
// Everything a request does (validation, permissions, query, include, serialization, ETag)
// comes from `resource()`.
import { createApp, defineApp } from 'basalt';
import { resource } from 'basalt/rest';
import { Author, Book } from '../db/schema.js';
import { DATABASE_URL, prepareRestBench } from './setup.js';

await prepareRestBench();

const books = resource(Book, {
  path: '/books',
  include: ['author'],
  permissions: { read: 'anyone', write: 'anyone' },
  pagination: { style: 'page', pageSize: 20, maxPageSize: 100 },
});

const app = await createApp(
  defineApp({ name: 'bench-rest', models: [Author, Book], routes: [...books.routes] }),
  {
    envFile: false,
    env: {
      NODE_ENV: 'production',
      SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
      LOG_LEVEL: 'silent',
      DATABASE_URL, // a pool of 10, as the hand-written handler has
    },
  },
);
const { port } = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`basalt listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
