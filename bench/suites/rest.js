// The REST suites (issue 5): a Basalt `resource()` against the same API written by hand on
// raw Fastify + pg with the same SQL, on PostgreSQL. Three operations, one suite each:
// list 20 books with their authors, retrieve one book, create one book.
import { isDeepStrictEqual } from 'node:util';
import { expect, requestJson } from '../lib/verify.js';

const LIST = '/books?include=author';
const NEW_BOOK = {
  title: 'Bench book',
  isbn: '9780000099999',
  pages: 321,
  price: '19.99',
  publishedOn: '2024-05-06',
  authorId: 7,
};

/** @type {import('./suite.js').Suite['implementations']} */
const implementations = [
  {
    name: 'basalt',
    entry: 'bench/rest/basalt.ts',
    description: "Basalt `resource(Book, { include: ['author'], pagination: page })`",
  },
  {
    name: 'fastify-pg',
    entry: 'bench/rest/fastify.ts',
    description: 'raw Fastify 5 + pg, hand-written handlers with the same SQL and JSON schemas',
  },
];

/** @param {string} baseUrl */
async function verifyList(baseUrl) {
  const res = await requestJson(baseUrl + LIST);
  expect(res.status === 200, `GET ${LIST} answered ${res.status}: ${res.text.slice(0, 200)}`);
  const body =
    /** @type {{ count?: number, next?: string, previous?: null, results?: Record<string, unknown>[] }} */ (
      res.body
    );
  expect(
    Array.isArray(body.results) && body.results.length === 20,
    `GET ${LIST}: expected 20 results, got ${res.text.slice(0, 200)}`,
  );
  expect(typeof body.count === 'number' && body.count >= 10_000, `GET ${LIST}: count ${body.count}`);
  expect(
    typeof body.next === 'string' && body.next.includes('page=2') && body.previous === null,
    `GET ${LIST}: links ${body.next} ${body.previous}`,
  );
  const first = /** @type {Record<string, unknown>} */ (body.results?.[0]);
  const author = /** @type {{ id?: unknown } | null} */ (first.author);
  expect(
    first.id === 1 && author?.id === first.authorId,
    `GET ${LIST}: first result ${JSON.stringify(first)}`,
  );
  return body;
}

/** @param {string} baseUrl */
async function verifyRetrieve(baseUrl) {
  const res = await fetch(`${baseUrl}/books/5`);
  const text = await res.text();
  expect(res.status === 200, `GET /books/5 answered ${res.status}: ${text.slice(0, 200)}`);
  expect(/^"[\w-]+"$/.test(res.headers.get('etag') ?? ''), `GET /books/5: ETag ${res.headers.get('etag')}`);
  const body = JSON.parse(text);
  expect(
    isDeepStrictEqual(Object.keys(body).sort(), [
      'authorId',
      'id',
      'isbn',
      'pages',
      'price',
      'publishedOn',
      'title',
    ]),
    `GET /books/5 answered ${text}`,
  );
  const missing = await requestJson(`${baseUrl}/books/999999999`);
  expect(missing.status === 404, `GET /books/999999999 answered ${missing.status}`);
  return body;
}

/** @param {string} baseUrl */
async function verifyCreate(baseUrl) {
  const post = (/** @type {unknown} */ payload) =>
    requestJson(`${baseUrl}/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
  const res = await post(NEW_BOOK);
  expect(res.status === 201, `POST /books answered ${res.status}: ${res.text.slice(0, 300)}`);
  const body = /** @type {Record<string, unknown>} */ (res.body);
  expect(typeof body.id === 'number' && body.title === NEW_BOOK.title, `POST /books answered ${res.text}`);
  const bad = await post({ ...NEW_BOOK, pages: 'many' });
  expect(bad.status === 400, `POST /books with pages "many" answered ${bad.status}`);
  const extra = await post({ ...NEW_BOOK, id: 1 });
  expect(extra.status === 400, `POST /books with an id answered ${extra.status}`);
  return body;
}

/**
 * @param {string} name
 * @param {string} title
 * @param {import('./suite.js').RequestSpec} request
 * @param {(baseUrl: string) => Promise<unknown>} verify
 * @returns {import('./suite.js').Suite}
 */
function restSuite(name, title, request, verify) {
  return {
    name,
    title,
    description:
      `${request.method} ${request.path} on PostgreSQL (10,000 books, 1,000 authors, schema bench_rest, pool of 10). ` +
      'Basalt: a `resource()`; fastify-pg: the same answers written by hand with the same SQL.',
    implementations,
    baselines: ['fastify-pg'],
    target: { implementation: 'basalt', baseline: 'fastify-pg', ratio: 0.8 },
    request,
    verify,
  };
}

export const restList = restSuite(
  'rest-list',
  'REST list: 20 books with their authors, page-number pagination with the count',
  { method: 'GET', path: LIST },
  verifyList,
);
export const restRetrieve = restSuite(
  'rest-retrieve',
  'REST retrieve: one book by id, with its ETag',
  { method: 'GET', path: '/books/5' },
  verifyRetrieve,
);
export const restCreate = restSuite(
  'rest-create',
  'REST create: one validated book inserted and returned',
  {
    method: 'POST',
    path: '/books',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(NEW_BOOK),
  },
  verifyCreate,
);
