// The GraphQL suite (issue 18): the same list — 20 books with their author, page-number
// pagination with the count — through basalt/graphql (`POST /graphql`) and through REST
// (`GET /books?include=author`), on one Basalt app over the REST suites' PostgreSQL data.
// Target: GraphQL at least 0.8× REST's requests per second.
import { isDeepStrictEqual } from 'node:util';
import { expect, requestJson } from '../lib/verify.js';

const REST = '/books?include=author';
const QUERY =
  '{ books(pageSize: 20) { totalCount hasNextPage items { id title isbn pages price publishedOn authorId author { id name bio } } } }';
const GRAPHQL = {
  method: /** @type {const} */ ('POST'),
  path: '/graphql',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: QUERY }),
};

/** @type {import('./suite.js').Suite['implementations']} */
const implementations = [
  { name: 'graphql', entry: 'bench/graphql/server.ts', description: 'basalt/graphql: `POST /graphql`' },
  {
    name: 'rest',
    entry: 'bench/graphql/server.ts',
    description: 'the same collection as a `resource()`: `GET /books?include=author`',
  },
];

/**
 * Both answers as one shape (the 20 books with their author, and the count), so the runner
 * can check the two transports answer the same.
 *
 * @param {string} baseUrl
 * @param {string} implementation
 */
async function verify(baseUrl, implementation) {
  const rest = await requestJson(baseUrl + REST);
  expect(rest.status === 200, `GET ${REST} answered ${rest.status}: ${rest.text.slice(0, 200)}`);
  const listed = /** @type {{ count: number, results: Record<string, unknown>[] }} */ (rest.body);
  const gql = await requestJson(baseUrl + GRAPHQL.path, {
    method: 'POST',
    headers: GRAPHQL.headers,
    body: GRAPHQL.body,
  });
  expect(gql.status === 200, `POST /graphql answered ${gql.status}: ${gql.text.slice(0, 300)}`);
  const body =
    /** @type {{ data?: { books: { totalCount: number, items: Record<string, unknown>[] } }, errors?: unknown }} */ (
      gql.body
    );
  expect(!body.errors && body.data, `POST /graphql answered errors: ${gql.text.slice(0, 300)}`);
  const page = /** @type {{ totalCount: number, items: Record<string, unknown>[] }} */ (body.data?.books);
  expect(
    page.items.length === 20 && page.totalCount === listed.count,
    `POST /graphql: ${gql.text.slice(0, 200)}`,
  );
  expect(
    isDeepStrictEqual(page.items, listed.results),
    `GraphQL and REST answer different books: ${JSON.stringify(page.items[0])} vs ${JSON.stringify(listed.results[0])}`,
  );
  return implementation === 'rest' ? listed.results : page.items;
}

/** @type {import('./suite.js').Suite} */
export const graphqlSuite = {
  name: 'graphql',
  title: 'GraphQL vs REST: 20 books with their author, on the same app',
  description:
    'PostgreSQL (10,000 books, 1,000 authors, schema bench_rest, pool of 10), NODE_ENV=production. ' +
    `graphql: POST /graphql ${QUERY}; rest: GET ${REST} of the same collection.`,
  implementations,
  baselines: ['rest'],
  target: { implementation: 'graphql', baseline: 'rest', ratio: 0.8 },
  request: { method: 'GET', path: REST },
  async prepare(_baseUrl, implementation) {
    return implementation === 'graphql' ? GRAPHQL : {};
  },
  verify,
};
