import { defineApp } from 'basalt';
import { admin } from 'basalt/admin';
import { auth } from 'basalt/auth';
import { graphql } from 'basalt/graphql';
import { jobs } from 'basalt/jobs';
import { audit } from 'basalt/ops';
import { storage } from 'basalt/storage';
import { views } from 'basalt/views';
import { signUp } from './accounts.js';
import { api, bookCollection, orderCollection } from './api.js';
import { orderInvoice, uploadCover } from './files.js';
import { me } from './graphql.js';
import { models } from './models.js';
import { seedCommand } from './seed.js';
import { storefront, storefrontMessages } from './storefront/index.js';
import { nightlySalesReport, salesReport, sendOrderConfirmation, thumbnailTask } from './tasks.js';

/** The reference app: every Basalt capability shows up here as it lands. */
export default defineApp({
  name: 'bookshop',
  info: {
    title: 'Bookshop API',
    version: '0.1.0',
    description: 'The Basalt reference application.',
    contact: { name: 'Bookshop API team', email: 'api@bookshop.example' },
    license: { name: 'MIT', identifier: 'MIT' },
  },
  // Every endpoint without a limit of its own: 1,000 requests a minute per user (per IP when
  // anonymous), with the RateLimit-* headers on every answer (docs/security.md).
  rateLimit: { max: 1000, window: '1m', key: 'user' },
  // Covers are public media (STORAGE_URL); invoices private (STORAGE_PRIVATE_URL).
  // Jobs in the app's database (REDIS_URL or JOBS_BACKEND=redis moves them to Redis).
  modules: [
    auth(),
    storage({ storages: { private: { public: false, url: 'file:./data/private' } } }),
    jobs({ tasks: [sendOrderConfirmation, salesReport, thumbnailTask], schedules: [nightlySalesReport] }),
    // The catalogue and the orders at /graphql, with the policies of their REST resources.
    graphql({
      collections: {
        books: bookCollection,
        orders: { collection: orderCollection, actions: ['list', 'retrieve', 'create'] },
      },
      // A query of its own; `orderChanged` subscriptions come with the orders (SSE).
      queries: { me },
    }),
    // The back office at /admin (docs/admin.md); every write through the operation layer (the
    // admin, REST, GraphQL) is kept in the audit log its history pages show.
    audit({ default: true }),
    // The storefront's pages (storefront/): HTML error pages for browsers, English and Spanish,
    // the stylesheet from static/ (hashed by `basalt build`).
    views({
      languages: { locales: ['en', 'es'], messages: storefrontMessages },
      static: { dir: new URL('./static', import.meta.url) },
    }),
    admin({
      title: 'Bookshop back office',
      models: {
        book: {
          collection: bookCollection,
          list: ['title', 'isbn', 'price', 'publishedOn', 'author'],
          filters: ['authorId', 'publishedOn'],
        },
        order: {
          list: ['id', 'customer', 'status', 'total', 'createdAt'],
          filters: ['status', 'createdAt'],
          ordering: ['-createdAt'],
          readOnly: ['total'],
          inlines: [{ relation: 'lines', fields: ['book', 'quantity', 'unitPrice'], perPage: 20 }],
        },
        customer: { search: ['name', 'email'] },
      },
    }),
  ],
  models,
  routes: [...api, signUp, uploadCover, orderInvoice, ...storefront],
  commands: [seedCommand],
  migrations: new URL('./migrations', import.meta.url),
});
