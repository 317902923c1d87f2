import { defineDependency, get, t } from 'basalt';
import { Book as BookModel } from './models.js';
import { Book, BookPage, Quote } from './schemas.js';

/** Page-number pagination, declared once and used by every list endpoint. */
export const pagination = defineDependency({
  query: t.Object({
    page: t.Integer({ minimum: 1, default: 1, description: 'Page number, from 1' }),
    pageSize: t.Integer({
      minimum: 1,
      maximum: 100,
      default: 20,
      description: 'Items per page (at most 100)',
    }),
  }),
  resolve: ({ query }) => ({
    page: query.page,
    pageSize: query.pageSize,
    offset: (query.page - 1) * query.pageSize,
  }),
});

export const listBooks = get(
  '/api/books',
  {
    tags: ['books'],
    summary: 'List books',
    query: t.Object({
      search: t.Optional(t.String({ maxLength: 100, description: 'Words in the title or author name' })),
    }),
    use: { pagination },
    response: BookPage,
  },
  async ({ db, query, pagination }) => {
    const books = db.query(BookModel).where(
      query.search
        ? {
            or: [{ title: { icontains: query.search } }, { author: { name: { icontains: query.search } } }],
          }
        : {},
    );
    const [items, total] = await Promise.all([
      books.include('author').limit(pagination.pageSize).offset(pagination.offset).all(),
      books.count(),
    ]);
    return { items, total, page: pagination.page, pageSize: pagination.pageSize };
  },
);

export const getBook = get(
  '/api/books/:id',
  {
    tags: ['books'],
    summary: 'Get a book',
    params: t.Object({ id: t.Integer({ minimum: 1 }) }),
    response: Book,
  },
  ({ db, params }) => db.query(BookModel).include('author').get(params.id),
);

const RATES = { EUR: 1, USD: 1.08, GBP: 0.86 } as const;

export const quoteBook = get(
  '/api/books/:id/quote',
  {
    tags: ['books'],
    summary: 'Price of a book in another currency',
    params: t.Object({ id: t.Integer({ minimum: 1 }) }),
    query: t.Object({
      currency: t.Union([t.Literal('EUR'), t.Literal('USD'), t.Literal('GBP')], { default: 'EUR' }),
    }),
    response: Quote,
  },
  async ({ db, params, query }) => {
    const book = await db.get(BookModel, params.id);
    // Prices are exact decimals (strings); convert in integer cents to avoid float drift.
    const cents = Math.round(Number(book.price.replace('.', '')) * RATES[query.currency]);
    return { bookId: book.id, price: (cents / 100).toFixed(2), currency: query.currency };
  },
);
