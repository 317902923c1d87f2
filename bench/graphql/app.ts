// The GraphQL suite's app: one collection of the bench's books, served both as a REST
// resource (`GET /books?include=author`) and through basalt/graphql (`POST /graphql`), so the
// two transports run the same operation layer, database and pool in the same kind of process.
import { type BasaltApp, createApp, defineApp } from 'basalt';
import { auth } from 'basalt/auth';
import { graphql } from 'basalt/graphql';
import { defineCollection } from 'basalt/ops';
import { resource } from 'basalt/rest';
import { Author, Book } from '../db/schema.js';
import { DATABASE_URL, prepareRestBench } from '../rest/setup.js';

/** Prepares the bench schema (the REST suites' data) and creates the app. */
export async function createGraphQLBenchApp(): Promise<BasaltApp> {
  await prepareRestBench();
  const books = defineCollection(Book, {
    include: ['author'],
    permissions: { read: 'anyone', write: 'anyone' },
    pagination: { style: 'page', pageSize: 20, maxPageSize: 100 },
  });
  return createApp(
    defineApp({
      name: 'bench-graphql',
      models: [Author, Book],
      routes: [...resource(books, { path: '/books' }).routes],
      // auth(): the GraphQL endpoint reads an optional user (no credentials are sent here).
      modules: [auth(), graphql({ collections: { books }, subscriptions: false })],
    }),
    {
      envFile: false,
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
        LOG_LEVEL: 'silent',
        DATABASE_URL,
      },
    },
  );
}
