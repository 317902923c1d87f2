import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { defineApp, t } from 'basalt';
import { type AuthUser, auth, getAuth } from 'basalt/auth';
import { defineQuery, graphql } from 'basalt/graphql';
import type { AnyEndpoint } from 'basalt/http';
import { defineCollection } from 'basalt/ops';
import { createTestClient, type TestClient } from 'basalt/testing';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Book } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// The GraphQL endpoint against hostile and odd requests: the GraphQL over HTTP audits of
// graphql-http, and documents built to exhaust a server (deep, wide, aliased, duplicated,
// directive-laden, batched, circular introspection), each refused with a GraphQL error before
// any resolver runs — a resolver here counts its calls, and the SQL log counts statements.

type Json = Record<string, unknown>;

let calls = 0;
const ping = defineQuery({
  description: 'Counts its calls: a refused document must leave the count alone.',
  type: t.Integer(),
  resolve: () => {
    calls += 1;
    return calls;
  },
});

const books = defineCollection(Book, {
  include: ['author', 'tags'],
  permissions: { read: 'anyone', write: 'staff' },
});
const PERSISTED = '{ ping }';
const PERSISTED_HASH = createHash('sha256').update(PERSISTED).digest('hex');

function app(options: { persisted?: boolean } = {}) {
  return defineApp({
    name: 'graphqlhardening',
    models: bookshop.models,
    migrations: bookshop.migrations,
    modules: [
      auth(),
      graphql({
        collections: { books },
        queries: { ping },
        ...(options.persisted ? { persistedQueries: { queries: { [PERSISTED_HASH]: PERSISTED } } } : {}),
      }),
    ],
  });
}

async function post(
  client: TestClient<AnyEndpoint[]>,
  payload: unknown,
  headers: Record<string, string> = {},
) {
  const res = await client.app.fastify.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(payload),
  });
  return {
    status: res.statusCode,
    body: res.json() as Json & { errors?: { message: string; extensions?: Json }[] },
  };
}

const databases = [
  { name: 'SQLite', url: undefined as string | undefined },
  ...(hasPostgres ? [{ name: 'PostgreSQL', url: POSTGRES_URL }] : []),
];

describe.each(databases)('graphql() against hostile documents ($name)', ({ url }) => {
  let client: TestClient<AnyEndpoint[]>;
  const statements: string[] = [];

  beforeAll(async () => {
    client = await createTestClient(app(), {
      ...(url ? { database: { url } } : {}),
      env: { LOG_LEVEL: 'trace' },
      logger: {
        destination: {
          write(line: string) {
            const sql = (JSON.parse(line) as { sql?: string }).sql;
            if (sql) statements.push(sql);
          },
        },
      },
    });
    await seed(client.app.db!, getAuth(client.app));
  });
  afterAll(() => client?.close());

  it('passes the GraphQL over HTTP audits of graphql-http (no MUST fails)', async () => {
    await client.app.fastify.listen({ port: 0, host: '127.0.0.1' });
    const { port } = client.app.fastify.server.address() as AddressInfo;
    const results = await Promise.all(
      serverAudits({ url: `http://127.0.0.1:${port}/graphql` }).map((audit) => audit.fn()),
    );
    const failed = results
      .filter((r) => r.status === 'error')
      .map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(failed).toEqual([]);
    expect(results.filter((r) => r.status === 'ok').length).toBeGreaterThan(20);
  });

  it('refuses each exhausting document with a GraphQL error before any resolver or statement runs', async () => {
    let nested = '__typename';
    for (let i = 0; i < 15; i += 1) nested = `ofType { ${nested} }`;
    const cases: [string, unknown, RegExp][] = [
      [
        '15 levels deep',
        { query: `{ ping __schema { types { fields { type { ${nested} } } } } }` },
        /deeper than 10/,
      ],
      [
        '500 aliases',
        { query: `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: ping`).join(' ')} }` },
        /500 aliases/,
      ],
      ['1,000 duplicated fields', { query: `{ ${'ping '.repeat(1_000)}}` }, /1000 fields/],
      ['200 directives', { query: `{ ping ${'@include(if: true) '.repeat(200)}}` }, /200 directives/],
      [
        'a batch of 100 operations',
        Array.from({ length: 100 }, () => ({ query: '{ ping }' })),
        /100 operations; at most 10/,
      ],
      [
        'circular introspection',
        {
          query: `{ ping __schema { types { fields { type { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } } } }`,
        },
        /deeper than 10/,
      ],
      ['tokens past the limit', { query: `{ ping ${'__typename '.repeat(6_000)}}` }, /more that 5000 tokens/],
    ];
    for (const [what, payload, message] of cases) {
      calls = 0;
      statements.length = 0;
      const answer = await post(client, payload);
      expect(answer.status, what).toBe(400);
      expect(answer.body.data, what).toBeUndefined();
      expect(answer.body.errors?.[0]?.message, what).toMatch(message);
      expect(answer.body.errors?.[0]?.extensions?.code, what).toMatch(
        /QUERY_TOO_COMPLEX|GRAPHQL_PARSE_FAILED/,
      );
      expect(calls, `${what}: resolvers run`).toBe(0);
      expect(statements, `${what}: statements run`).toEqual([]);
    }
  });

  it('counts nested lists in the cost: each page size times the relations under it', async () => {
    // Five aliases of the books' tags (a has-many relation, counted as 5 each) under a page
    // of 100 books: 1 (ping) + 1 (books) + 100 (items) + 100 (id) + 5 × (100 + 100 × 5 × 2) = 5702.
    const tags = (inner: string) =>
      ['a', 'b', 'c', 'd', 'e'].map((alias) => `${alias}: tags { ${inner} }`).join(' ');
    const refuse = async (what: string, payload: unknown, cost: number) => {
      calls = 0;
      statements.length = 0;
      const answer = await post(client, payload);
      expect(answer.status, what).toBe(400);
      expect(answer.body.data, what).toBeUndefined();
      expect(answer.body.errors?.[0]?.message, what).toBe(
        `The query costs more than 5000: ${cost} (each field 1, times the sizes of the lists around it; a has-many relation counts as 5)`,
      );
      expect(answer.body.errors?.[0]?.extensions?.code, what).toBe('QUERY_TOO_COMPLEX');
      expect(calls, `${what}: resolvers run`).toBe(0);
      expect(statements, `${what}: statements run`).toEqual([]);
    };
    const allow = async (what: string, payload: unknown) => {
      calls = 0;
      const answer = await post(client, payload);
      expect(answer.body.errors, what).toBeUndefined();
      expect(answer.status, what).toBe(200);
      expect(calls, what).toBe(1);
      const items = ((answer.body.data as Json).books as { items: Json[] }).items;
      expect(items.length, what).toBeGreaterThan(0);
      expect(items[0]!.a, what).toEqual(expect.any(Array));
    };

    await refuse(
      '100 books × their tags',
      { query: `{ ping books(pageSize: 100) { items { id ${tags('id name')} } } }` },
      5702,
    );
    // Ten books: 1 + 1 + 10 + 10 + 5 × (10 + 10 × 5 × 2) = 572.
    await allow('10 books × their tags', {
      query: `{ ping books(pageSize: 10) { items { id ${tags('id name')} } } }`,
    });

    // A page size in a variable counts as the variable's value, per request, for the same document.
    const sized = `query Sized($n: Int) { ping books(pageSize: $n) { items { id ${tags('id name')} } } }`;
    await refuse('$n = 100', { query: sized, variables: { n: 100 } }, 5702);
    await allow('$n = 10', { query: sized, variables: { n: 10 } });
    // Past the largest page (100) it counts as the largest page; absent, as the default (20).
    await refuse('$n = 10,000', { query: sized, variables: { n: 10_000 } }, 5702);
    await allow('$n absent', { query: sized });

    // A fragment counts at each of its uses.
    await refuse(
      'a fragment used five times',
      {
        query: `{ ping books(pageSize: 100) { items { id ${tags('...Tag')} } } } fragment Tag on BookTags { id name }`,
      },
      5702,
    );
    await allow('the same fragment under ten books', {
      query: `{ ping books(pageSize: 10) { items { id ${tags('...Tag')} } } } fragment Tag on BookTags { id name }`,
    });
  });

  it('runs a batch within the limit, each answered as alone', async () => {
    calls = 0;
    const answer = await post(client, [
      { query: '{ ping }' },
      { query: '{ nope }' },
      { query: 'query Two { ping }', operationName: 'Two' },
    ]);
    expect(answer.status).toBe(200);
    const bodies = answer.body as unknown as Json[];
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toEqual({ data: { ping: 1 } });
    expect((bodies[1]!.errors as Json[])[0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(bodies[2]).toEqual({ data: { ping: 2 } });
  });

  it('answers a bearer token and a session cookie (with its CSRF token for a mutation)', async () => {
    const auth = getAuth(client.app);
    const user = (await auth.createUser(client.db!, {
      email: 'staff@hard.test',
      password: 'a long enough staff password',
      isStaff: true,
      isSuperuser: true,
    })) as AuthUser;
    const author = (await client.db!.query(Book).first())!.authorId;
    const mutation = (title: string, isbn: string) => ({
      query: `mutation { createBook(input: { title: "${title}", isbn: "${isbn}", price: "5.00", authorId: ${author} }) { book { title } errors { field } } }`,
    });
    const anonymous = await post(client, mutation('Nobody', '9780000000101'));
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const { access } = await auth.issueTokens(client.db!, user);
    const bearer = await post(client, mutation('Bearer', '9780000000102'), {
      authorization: `Bearer ${access}`,
    });
    expect(bearer.body).toEqual({ data: { createBook: { book: { title: 'Bearer' }, errors: [] } } });
    const login = await client.app.fastify.inject({
      method: 'POST',
      url: '/auth/session/login',
      payload: { email: 'staff@hard.test', password: 'a long enough staff password' },
    });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const csrf = String(login.headers['x-csrf-token']);
    expect((await post(client, mutation('Cookie', '9780000000103'), { cookie })).status).toBe(403);
    const session = await post(client, mutation('Cookie', '9780000000103'), { cookie, 'x-csrf-token': csrf });
    expect(session.body).toEqual({ data: { createBook: { book: { title: 'Cookie' }, errors: [] } } });
    expect(
      await client
        .db!.query(Book)
        .where({ title: { in: ['Nobody', 'Bearer', 'Cookie'] } })
        .count(),
    ).toBe(2);
  });
});

describe('graphql({ persistedQueries })', () => {
  let client: TestClient<AnyEndpoint[]>;
  beforeAll(async () => {
    client = await createTestClient(app({ persisted: true }));
  });
  afterAll(() => client?.close());

  it('runs persisted documents by hash (documentId or Apollo extensions), and nothing else', async () => {
    calls = 0;
    expect((await post(client, { documentId: PERSISTED_HASH })).body).toEqual({ data: { ping: 1 } });
    expect(
      (await post(client, { extensions: { persistedQuery: { version: 1, sha256Hash: PERSISTED_HASH } } }))
        .body,
    ).toEqual({ data: { ping: 2 } });
    const get = await client.app.fastify.inject({
      method: 'GET',
      url: `/graphql?documentId=${PERSISTED_HASH}`,
    });
    expect(get.json()).toEqual({ data: { ping: 3 } });
    const arbitrary = await post(client, { query: '{ ping }' });
    expect(arbitrary.status).toBe(400);
    expect(arbitrary.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_REQUIRED');
    const unknown = await post(client, { documentId: 'f'.repeat(64) });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const swapped = await post(client, { documentId: PERSISTED_HASH, query: '{ __typename }' });
    expect(swapped.status).toBe(400);
    expect(calls).toBe(3);
  });

  it('refuses a persisted query whose hash is not its text, when the module is made', () => {
    expect(() =>
      graphql({ collections: { books }, persistedQueries: { queries: { abc: '{ ping }' } } }),
    ).toThrow(/not the SHA-256/);
  });
});
