import { defineApp, t } from 'basalt';
import { type AuthUser, auth, getAuth } from 'basalt/auth';
import { graphql } from 'basalt/graphql';
import type { AnyEndpoint } from 'basalt/http';
import { defineCollection } from 'basalt/ops';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Book } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';

// The options of graphql() on an app of its own (the bookshop's models and migrations):
// production defaults (no introspection, no suggestions, no GraphiQL), field read rules and
// computed fields, limits of the app's choosing, and the session cookie's CSRF check.

type Json = Record<string, unknown>;

const books = defineCollection(Book, {
  include: ['author'],
  computed: {
    priceCents: { schema: t.Integer(), get: (row) => Math.round(Number(row.price) * 100) },
    // A bug in the app's code: what a client gets must say nothing of it.
    broken: {
      schema: t.String(),
      get: () => {
        throw new Error('secret detail of a bug at /srv/app/books.ts:12');
      },
    },
  },
  fieldAccess: { isbn: { read: (actor) => actor.isStaff } },
  permissions: { read: 'anyone', write: 'staff' },
});

function app(production: boolean) {
  return defineApp({
    name: 'graphqloptions',
    models: bookshop.models,
    migrations: bookshop.migrations,
    modules: [
      auth(),
      graphql({ collections: { books }, ...(production ? {} : { limits: { depth: 3, cost: 60 } }) }),
    ],
  });
}

async function post(
  client: TestClient<AnyEndpoint[]>,
  query: string,
  headers: Record<string, string> = {},
  variables?: Json,
) {
  const res = await client.app.fastify.inject({
    method: 'POST',
    url: '/graphql',
    headers,
    payload: { query, ...(variables ? { variables } : {}) },
  });
  return {
    status: res.statusCode,
    body: res.json() as { data?: Json | null; errors?: { message: string; extensions?: Json }[] },
  };
}

describe('graphql() in production', () => {
  let client: TestClient<AnyEndpoint[]>;
  beforeAll(async () => {
    client = await createTestClient(app(true), {
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: 'a production secret key that is long enough to pass',
        LOG_LEVEL: 'silent',
      },
    });
    await seed(client.app.db!, getAuth(client.app));
  });
  afterAll(() => client?.close());

  it('refuses introspection, leaves suggestions out and serves no GraphiQL', async () => {
    const introspection = await post(client, '{ __schema { types { name } } }');
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await post(client, '{ books { itms { id } } }');
    expect(typo.status).toBe(400);
    expect(typo.body.errors?.[0]?.message).toBe('Cannot query field "itms" on type "BookPage".');
    const page = await client.app.fastify.inject({
      method: 'GET',
      url: '/graphql',
      headers: { accept: 'text/html' },
    });
    expect(page.statusCode).toBe(400);
    expect(page.headers['content-type']).not.toMatch(/html/);
    expect((await post(client, '{ books { totalCount } }')).status).toBe(200);
  });
});

describe('graphql() options', () => {
  let client: TestClient<AnyEndpoint[]>;
  let staff: Record<string, string>;
  beforeAll(async () => {
    client = await createTestClient(app(false));
    await seed(client.app.db!, getAuth(client.app));
    const service = getAuth(client.app);
    const user = (await service.createUser(client.db!, {
      email: 'staff@gql.test',
      password: 'a long enough staff password',
      isStaff: true,
    })) as AuthUser;
    staff = { authorization: `Bearer ${(await service.issueTokens(client.db!, user)).access}` };
  });
  afterAll(() => client?.close());

  it('answers a field hidden by a read rule as null, and computed fields', async () => {
    const query = '{ books(pageSize: 1) { items { title isbn price priceCents } } }';
    const anonymous = await post(client, query);
    expect(anonymous.body.errors).toBeUndefined();
    const item = ((anonymous.body.data!.books as Json).items as Json[])[0]!;
    expect(item.isbn).toBeNull();
    expect(item.priceCents).toBe(Math.round(Number(item.price) * 100));
    const asStaff = await post(client, query, staff);
    expect(((asStaff.body.data!.books as Json).items as Json[])[0]!.isbn).toMatch(/^\d{10,13}$/);
  });

  it('answers an unexpected error as INTERNAL_SERVER_ERROR with nothing of the error, and a taken value or bad fields as field errors in the payload', async () => {
    const broken = await post(client, '{ books(pageSize: 1) { items { title broken } } }');
    expect(broken.status).toBe(200);
    expect(broken.body.data).toBeNull();
    expect(broken.body.errors).toEqual([
      expect.objectContaining({
        message: 'An unexpected error occurred',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }),
    ]);
    expect(JSON.stringify(broken.body)).not.toMatch(/secret|srv|stack/);

    const taken = (await client.db!.query(Book).first())!;
    const duplicate = await post(
      client,
      `mutation { createBook(input: { title: "Twin", isbn: "${taken.isbn}", price: "1.00", authorId: ${taken.authorId} }) { book { id } errors { field message code } } }`,
      staff,
    );
    expect(duplicate.body.errors).toBeUndefined();
    expect(duplicate.body.data?.createBook).toMatchObject({
      book: null,
      errors: [{ field: 'isbn', code: 'unique' }],
    });
    const invalid = await post(
      client,
      `mutation { createBook(input: { title: "Bad", isbn: "123", price: "abc", authorId: ${taken.authorId} }) { book { id } errors { field message } } }`,
      staff,
    );
    expect(invalid.body.data?.createBook).toMatchObject({
      book: null,
      errors: [{ field: 'isbn' }, { field: 'price' }],
    });
    expect(
      await client
        .db!.query(Book)
        .where({ title: { in: ['Twin', 'Bad'] } })
        .count(),
    ).toBe(0);
  });

  it("keeps to the app's limits", async () => {
    const deep = await post(client, '{ books { items { author { id } } } }');
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]?.message).toMatch(/deeper than 3/);
    expect((await post(client, '{ books(pageSize: 10) { items { id title } } }')).status).toBe(200);
    const costly = await post(client, '{ books(pageSize: 30) { items { id title } } }');
    expect(costly.status).toBe(400);
    expect(costly.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    // A page size in a variable counts as the variable's value: the same document is
    // refused with 30 and runs with 1 (absent: the default page size, 20).
    const sized = 'query($n: Int) { books(pageSize: $n) { items { id } } }';
    const big = await post(client, sized, {}, { n: 30 });
    expect(big.status).toBe(400);
    expect(big.body.errors?.[0]?.message).toMatch(/costs more than 60: 61/);
    expect((await post(client, sized, {}, { n: 1 })).status).toBe(200);
    expect((await post(client, sized, {}, {})).status).toBe(200);
  });

  it('needs the CSRF token for a mutation authenticated by the session cookie', async () => {
    const login = await client.app.fastify.inject({
      method: 'POST',
      url: '/auth/session/login',
      payload: { email: 'staff@gql.test', password: 'a long enough staff password' },
    });
    expect(login.statusCode).toBe(204);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const token = String(login.headers['x-csrf-token']);
    const author = (await client.db!.query(Book).first())!.authorId;
    const mutation = `mutation { createBook(input: { title: "Cookie", isbn: "9780000000001", price: "5.00", authorId: ${author} }) { book { id } } }`;
    const refused = await post(client, mutation, { cookie });
    expect(refused.status).toBe(403);
    expect(await client.db!.query(Book).where({ title: 'Cookie' }).count()).toBe(0);
    const done = await post(client, mutation, { cookie, 'x-csrf-token': token });
    expect(done.status).toBe(200);
    expect(done.body.errors).toBeUndefined();
    expect(await client.db!.query(Book).where({ title: 'Cookie' }).count()).toBe(1);
  });
});
