import { defineDependency, get, NotFoundError, t } from 'basalt';
import { catalogue } from './catalogue.js';
import { Book, BookPage, Quote } from './schemas.js';

/** Page-number pagination, declared once and used by every list endpoint. */
export const pagination = defineDependency({
  query: t.Object({
    page: t.Integer({ minimum: 1, default: 1, description: 'Page number, from 1' }),
    pageSize: t.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Items per page (at most 100)' }),
  }),
  resolve: ({ query }) => ({ page: query.page, pageSize: query.pageSize, offset: (query.page - 1) * query.pageSize }),
});

export const listBooks = get(
  '/api/books',
  {
    tags: ['books'],
    summary: 'List books',
    query: t.Object({ search: t.Optional(t.String({ maxLength: 100, description: 'Words in the title or author name' })) }),
    use: { pagination },
    response: BookPage,
  },
  ({ query, pagination }) => {
    const needle = query.search?.toLowerCase();
    const matching = needle
      ? catalogue.filter((b) => b.title.toLowerCase().includes(needle) || b.author.name.toLowerCase().includes(needle))
      : catalogue;
    return {
      items: matching.slice(pagination.offset, pagination.offset + pagination.pageSize),
      total: matching.length,
      page: pagination.page,
      pageSize: pagination.pageSize,
    };
  },
);

function findBook(id: number) {
  const book = catalogue.find((b) => b.id === id);
  if (!book) throw new NotFoundError(`Book ${id} does not exist`);
  return book;
}

export const getBook = get(
  '/api/books/:id',
  { tags: ['books'], summary: 'Get a book', params: t.Object({ id: t.Integer({ minimum: 1 }) }), response: Book },
  ({ params }) => findBook(params.id),
);

const RATES = { EUR: 1, USD: 1.08, GBP: 0.86 } as const;

export const quoteBook = get(
  '/api/books/:id/quote',
  {
    tags: ['books'],
    summary: 'Price of a book in another currency',
    params: t.Object({ id: t.Integer({ minimum: 1 }) }),
    query: t.Object({ currency: t.Union([t.Literal('EUR'), t.Literal('USD'), t.Literal('GBP')], { default: 'EUR' }) }),
    response: Quote,
  },
  ({ params, query }) => {
    const book = findBook(params.id);
    // Prices are exact decimals; convert in integer cents to avoid float drift.
    const cents = Math.round(Number(book.price.replace('.', '')) * RATES[query.currency]);
    return { bookId: book.id, price: (cents / 100).toFixed(2), currency: query.currency };
  },
);
