import { ConflictError, PermissionDeniedError, t } from 'basalt';
import { type Actor, defineCollection } from 'basalt/ops';
import { resource } from 'basalt/rest';
import { Author, Book, Customer, Order, OrderLine, Review, Tag } from './models.js';
import { fromCents, toCents } from './money.js';
import { Id, Quote } from './schemas.js';
import { sendOrderConfirmation } from './tasks.js';

const RATES = { EUR: 1, USD: 1.08, GBP: 0.86 } as const;

const signedInId = (actor: Actor) => Number(actor.user?.id ?? 0);

/**
 * The catalogue: everyone reads it; adding, changing and removing books needs the model
 * permissions (add_book, change_book, delete_book), which the seeded `staff` group holds.
 */
export const bookCollection = defineCollection(Book, {
  include: ['author', 'tags'],
  filters: {
    author: true,
    price: ['lt', 'lte', 'gt', 'gte'],
    publishedOn: ['lt', 'gte', 'isNull'],
  },
  search: { fields: ['title', 'isbn'], mode: 'contains' },
  ordering: ['title', 'price', 'publishedOn', 'createdAt'],
  permissions: { read: 'anyone', write: 'model' },
});

export const books = resource(bookCollection, { path: '/api/books' }).action(
  'quote',
  {
    method: 'GET',
    access: 'anyone',
    summary: 'Price of a book in another currency',
    description:
      'The price converted at fixed rates and rounded to the cent (EUR unless `currency` says otherwise).',
    query: t.Object({
      currency: t.Union([t.Literal('EUR'), t.Literal('USD'), t.Literal('GBP')], { default: 'EUR' }),
    }),
    response: Quote,
  },
  ({ object, query }) => {
    // Prices are exact decimals (strings); convert in integer cents to avoid float drift.
    const cents = Math.round(toCents(object.price) * RATES[query.currency]);
    return { bookId: object.id, price: (cents / 100).toFixed(2), currency: query.currency };
  },
);

export const authors = resource(Author, {
  path: '/api/authors',
  include: { books: { model: Book, fields: ['title', 'price', 'publishedOn'] } },
  search: { fields: ['name'], mode: 'contains' },
  ordering: ['name'],
  permissions: { read: 'anyone', write: 'model' },
});

export const tags = resource(Tag, {
  path: '/api/tags',
  ordering: ['name'],
  permissions: { read: 'anyone', write: 'model' },
});

/**
 * Reviews: everyone reads them; a signed-in customer writes their own (the customer is
 * set from the account, never from the body) and may change or delete only those.
 */
export const reviews = resource(Review, {
  path: '/api/reviews',
  readOnly: ['customerId'],
  include: ['book'],
  filters: { book: true, rating: ['gte', 'lte'] },
  ordering: ['rating'],
  permissions: { read: 'anyone', write: 'authenticated' },
  // Staff moderate every review; a customer changes only their own.
  check: async ({ action, object, actor, db }) => {
    if (action === 'retrieve' || actor.isStaff) return true;
    const customer = await db.query(Customer).where({ id: object.customerId }).first();
    return customer?.userId === signedInId(actor);
  },
  hooks: {
    async beforeCreate({ data, actor, db }) {
      const customer = await db
        .query(Customer)
        .where({ user: { id: signedInId(actor) } })
        .first();
      if (!customer) throw new PermissionDeniedError('Only customers can review books');
      data.customerId = customer.id;
    },
  },
});

/**
 * Orders, declared once for every transport (REST here, the invoice endpoint, jobs): a
 * customer sees only their own orders — anyone else's is a 404, like a missing one — and
 * staff, or a user holding view_order, see all. A customer places an order with its lines
 * in one write (`POST /api/orders`), priced from the catalogue at that moment; an unknown
 * book or a book listed twice is a 400 pointing at the line, and nothing is written.
 */
export const orderCollection = defineCollection(Order, {
  include: { lines: { model: OrderLine }, customer: {} },
  filters: { status: ['eq', 'in'] },
  ordering: ['createdAt', 'total'],
  pagination: { style: 'cursor', pageSize: 20, maxPageSize: 100 },
  readOnly: ['customerId', 'status', 'total'],
  nested: { lines: { model: OrderLine, fields: ['book', 'quantity'], min: 1, max: 50 } },
  permissions: { read: 'authenticated', create: 'authenticated' },
  scope: async (query, actor) =>
    actor.isStaff || (await actor.hasPermission('view_order'))
      ? query
      : query.where({ customer: { user: { id: signedInId(actor) } } }),
  hooks: {
    async beforeCreate({ actor, db, data }) {
      const customer = await db
        .query(Customer)
        .where({ user: { id: signedInId(actor) } })
        .first();
      if (!customer) throw new PermissionDeniedError('Only customers can place orders');
      data.customerId = customer.id;
      // The lines were checked (each book exists, none twice) before this hook runs.
      const lines = data.lines ?? [];
      const books = await db
        .query(Book)
        .where({ id: { in: lines.map((line) => Number(line.bookId)) } })
        .all();
      const price = new Map(books.map((book) => [book.id, toCents(book.price)]));
      let total = 0;
      for (const line of lines) {
        const cents = price.get(Number(line.bookId))!;
        line.unitPrice = fromCents(cents);
        total += cents * Number(line.quantity);
      }
      data.total = fromCents(total);
    },
    // In the same transaction: no confirmation for an order that was not placed.
    async afterCreate({ db, object, context }) {
      await context?.jobs.enqueue(sendOrderConfirmation, { orderId: object.id }, { db });
    },
  },
});

/** Orders: placed, listed and read here; a placed order can be cancelled by its owner. */
export const orders = resource(orderCollection, {
  path: '/api/orders',
  actions: ['list', 'retrieve', 'create'],
}).action(
  'cancel',
  {
    access: 'authenticated',
    summary: 'Cancel a placed order',
    description: 'Only an order still `placed` can be cancelled; any other status is a 409.',
    problems: [409],
    response: {
      200: t.Object({ id: Id, status: t.Literal('cancelled') }, { $id: 'OrderCancelled' }),
    },
  },
  async ({ object, db }) => {
    if (object.status !== 'placed')
      throw new ConflictError(`This order is ${object.status}; only a placed order can be cancelled`);
    const updated = await db.update(Order, object.id, { status: 'cancelled' });
    return { id: updated.id, status: 'cancelled' as const };
  },
);

/** Every endpoint of the bookshop's REST API. */
export const api = [...books.routes, ...authors.routes, ...tags.routes, ...reviews.routes, ...orders.routes];
