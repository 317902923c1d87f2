// The REST benchmark's Basalt app: a resource over the bench's books, as an app would declare
// it. Everything a request does (validation, permissions, query, include, serialization,
// ETag) comes from `resource()`. Used by the server (basalt.ts) and the profiler.
import { type BasaltApp, createApp, defineApp } from 'basalt';
import { resource } from 'basalt/rest';
import { Author, Book } from '../db/schema.js';
import { DATABASE_URL, prepareRestBench } from './setup.js';

/** Prepares the bench schema and creates the app (a pool of 10, as the hand-written handler has). */
export async function createRestBenchApp(): Promise<BasaltApp> {
  await prepareRestBench();
  const books = resource(Book, {
    path: '/books',
    include: ['author'],
    permissions: { read: 'anyone', write: 'anyone' },
    pagination: { style: 'page', pageSize: 20, maxPageSize: 100 },
  });
  return createApp(defineApp({ name: 'bench-rest', models: [Author, Book], routes: [...books.routes] }), {
    envFile: false,
    env: {
      NODE_ENV: 'production',
      SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
      LOG_LEVEL: 'silent',
      DATABASE_URL,
    },
  });
}
