// The REST benchmark written by hand on raw Fastify 5 + pg: the same three operations as the
// Basalt resource, with the same SQL (a count, a page, one batched author query; a primary-key
// read; an insert), JSON schemas for validation and serialization, an ETag on retrieve.
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { BASE_URL, POOL_SIZE, prepareRestBench, SCHEMA } from './setup.js';

await prepareRestBench();

// As Basalt's pool: dates stay strings, numeric stays a string, bigint counts become numbers.
const pool = new pg.Pool({
  connectionString: BASE_URL,
  max: POOL_SIZE,
  options: `-c search_path=${SCHEMA}`,
  types: {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === 1082) return (value: string) => value;
      if (oid === 20) return (value: string) => Number(value);
      return pg.types.getTypeParser(oid, format ?? 'text');
    },
  } as never,
});

const BOOK_COLUMNS =
  'id, title, isbn, pages, price::text as price, published_on as "publishedOn", author_id as "authorId"';
const book = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    title: { type: 'string' },
    isbn: { type: 'string' },
    pages: { type: 'integer' },
    price: { type: 'string' },
    publishedOn: { type: 'string' },
    authorId: { type: 'integer' },
  },
  required: ['id', 'title', 'isbn', 'pages', 'price', 'publishedOn', 'authorId'],
} as const;
const author = {
  type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' }, bio: { type: ['string', 'null'] } },
  required: ['id', 'name', 'bio'],
} as const;
const bookWithAuthor = {
  ...book,
  properties: { ...book.properties, author: { anyOf: [author, { type: 'null' }] } },
} as const;

interface BookRow {
  id: number;
  authorId: number;
  author?: unknown;
}

// Unknown body fields are refused, not silently dropped (Fastify's default), as Basalt does.
const app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false } } });

app.get<{ Querystring: { page: number; pageSize: number; include?: 'author' } }>(
  '/books',
  {
    schema: {
      querystring: {
        type: 'object',
        properties: {
          page: { type: 'integer', minimum: 1, default: 1 },
          pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          include: { type: 'string', enum: ['author'] },
        },
        additionalProperties: false,
      },
      response: {
        200: {
          type: 'object',
          properties: {
            count: { type: 'integer' },
            next: { type: ['string', 'null'] },
            previous: { type: ['string', 'null'] },
            results: { type: 'array', items: bookWithAuthor },
          },
        },
      },
    },
  },
  async (request) => {
    const { page, pageSize, include } = request.query;
    const [counted, listed] = await Promise.all([
      pool.query<{ n: number }>('select count(*) as n from bench_book'),
      pool.query<BookRow>(`select ${BOOK_COLUMNS} from bench_book order by id limit $1 offset $2`, [
        pageSize,
        (page - 1) * pageSize,
      ]),
    ]);
    const rows = listed.rows;
    if (include === 'author' && rows.length > 0) {
      const ids = [...new Set(rows.map((row) => row.authorId))];
      const { rows: authors } = await pool.query<{ id: number }>(
        'select id, name, bio from bench_author where id = any($1)',
        [ids],
      );
      const byId = new Map(authors.map((a) => [a.id, a]));
      for (const row of rows) row.author = byId.get(row.authorId) ?? null;
    }
    const count = counted.rows[0]!.n;
    const base = `http://${request.host}/books?`;
    const link = (n: number) =>
      `${base}${new URLSearchParams({ ...(include ? { include } : {}), page: String(n) })}`;
    return {
      count,
      next: page * pageSize < count ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
      results: rows,
    };
  },
);

app.get<{ Params: { id: number } }>(
  '/books/:id',
  {
    schema: {
      params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
      response: { 200: book },
    },
  },
  async (request, reply) => {
    const { rows } = await pool.query(`select ${BOOK_COLUMNS} from bench_book where id = $1`, [
      request.params.id,
    ]);
    if (rows.length === 0) return reply.code(404).send({ detail: 'Not found' });
    reply.header('etag', `"${createHash('sha1').update(JSON.stringify(rows[0])).digest('base64url')}"`);
    return rows[0];
  },
);

app.post<{ Body: Record<string, unknown> }>(
  '/books',
  {
    schema: {
      body: {
        type: 'object',
        properties: {
          title: { type: 'string', minLength: 1, maxLength: 200 },
          isbn: { type: 'string', maxLength: 13 },
          pages: { type: 'integer' },
          price: { type: 'string', pattern: '^-?\\d{1,6}(\\.\\d{1,2})?$' },
          publishedOn: { type: 'string', format: 'date' },
          authorId: { type: 'integer' },
        },
        required: ['title', 'isbn', 'pages', 'price', 'publishedOn', 'authorId'],
        additionalProperties: false,
      },
      response: { 201: book },
    },
  },
  async (request, reply) => {
    const b = request.body;
    const { rows } = await pool.query(
      `insert into bench_book (title, isbn, pages, price, published_on, author_id) values ($1, $2, $3, $4, $5, $6) returning ${BOOK_COLUMNS}`,
      [b.title, b.isbn, b.pages, b.price, b.publishedOn, b.authorId],
    );
    reply.code(201);
    return rows[0];
  },
);

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
console.log(`fastify listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => pool.end().then(() => process.exit(0)));
  });
}
