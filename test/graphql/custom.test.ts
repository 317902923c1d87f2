import { defineApp, PermissionDeniedError, t } from 'basalt';
import { type AuthUser, auth, getAuth } from 'basalt/auth';
import { defineMutation, defineQuery, graphql } from 'basalt/graphql';
import type { AnyEndpoint } from 'basalt/http';
import { defineCollection, operations } from 'basalt/ops';
import { createTestClient, type TestClient } from 'basalt/testing';
import { printSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Author, Book } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// Queries and mutations of your own beside the generated schema: TypeBox arguments checked
// before the resolver runs (a bad one is BAD_USER_INPUT with field errors), answers typed by
// TypeBox or naming a generated type, and the endpoint's context (actor, db, log).

type Json = Record<string, unknown>;
const books = defineCollection(Book, {
  include: ['author'],
  ordering: ['price'],
  permissions: { read: 'anyone', write: 'staff' },
});
const logged: string[] = [];

const cheapest = defineQuery({
  description: 'The cheapest books, as the books list shows them to the actor.',
  args: t.Object({ limit: t.Integer({ minimum: 1, maximum: 10 }) }),
  type: '[Book!]!',
  resolve: async ({ limit }, { actor, db }) =>
    (await operations(db).list(actor, books, { ordering: 'price', pageSize: limit, include: 'author' }))
      .results,
});

const whoami = defineQuery({
  type: t.Object(
    { email: t.Union([t.String(), t.Null()]), staff: t.Boolean(), tags: t.Array(t.String()) },
    { $id: 'WhoAmI' },
  ),
  resolve: (_args, { actor, log }) => {
    log.info('whoami asked');
    logged.push('whoami');
    return { email: (actor.user?.email as string | undefined) ?? null, staff: actor.isStaff, tags: ['a'] };
  },
});

const renameAuthor = defineMutation({
  args: t.Object({
    id: t.Integer({ minimum: 1 }),
    name: t.String({ minLength: 1, maxLength: 120 }),
    note: t.Optional(t.String({ maxLength: 10 })),
  }),
  type: t.Object({ id: t.Integer(), name: t.String() }, { $id: 'RenamedAuthor' }),
  resolve: async ({ id, name }, { actor, db }) => {
    if (!actor.isStaff) throw new PermissionDeniedError('Only staff rename authors');
    const author = await db.update(Author, id as never, { name } as never);
    return { id: author.id as number, name: author.name as string };
  },
});

const api = graphql({ collections: { books }, queries: { cheapest, whoami }, mutations: { renameAuthor } });
const shop = defineApp({
  name: 'graphqlcustom',
  models: bookshop.models,
  migrations: bookshop.migrations,
  modules: [auth(), api],
});

const databases = [
  { name: 'SQLite', url: undefined as string | undefined },
  ...(hasPostgres ? [{ name: 'PostgreSQL', url: POSTGRES_URL }] : []),
];

describe.each(databases)('graphql() with queries and mutations of your own ($name)', ({ url }) => {
  let client: TestClient<AnyEndpoint[]>;
  let staff: Record<string, string>;
  const gql = async (query: string, headers: Record<string, string> = {}, variables?: Json) => {
    const res = await client.app.fastify.inject({
      method: 'POST',
      url: '/graphql',
      headers,
      payload: { query, ...(variables ? { variables } : {}) },
    });
    return {
      status: res.statusCode,
      body: res.json() as { data?: Json | null; errors?: { extensions?: Json }[] },
    };
  };

  beforeAll(async () => {
    client = await createTestClient(shop, url ? { database: { url } } : {});
    await seed(client.app.db!, getAuth(client.app));
    const auth = getAuth(client.app);
    const user = (await auth.createUser(client.db!, {
      email: 'staff@custom.test',
      password: 'a long enough staff password',
      isStaff: true,
    })) as AuthUser;
    staff = { authorization: `Bearer ${(await auth.issueTokens(client.db!, user)).access}` };
  });
  afterAll(() => client?.close());

  it('puts them in the schema with TypeBox types and the generated ones they name', () => {
    const sdl = printSchema(api.schema);
    expect(sdl).toContain('cheapest(limit: Int!): [Book!]!');
    expect(sdl).toContain('whoami: WhoAmI!');
    expect(sdl).toMatch(/type WhoAmI \{\s+email: String\s+staff: Boolean!\s+tags: \[String!\]!\s+\}/);
    expect(sdl).toContain('renameAuthor(id: Int!, name: String!, note: String): RenamedAuthor!');
  });

  it('runs a query with checked arguments, answering a generated type with its relations', async () => {
    const answer = await gql('{ cheapest(limit: 2) { title price author { name } } }');
    expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
    const listed = (answer.body.data!.cheapest as Json[]).map((b) => Number(b.price));
    expect(listed).toHaveLength(2);
    expect(listed).toEqual([...listed].sort((a, b) => a - b));
    expect((answer.body.data!.cheapest as Json[])[0]!.author).toEqual({ name: expect.any(String) });
    const bad = await gql('{ cheapest(limit: 50) { title } }');
    expect(bad.status).toBe(200);
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: [{ field: 'limit', code: 'maximum' }],
    });
  });

  it("gives a resolver the request's actor and logger", async () => {
    logged.length = 0;
    expect((await gql('{ whoami { email staff tags } }')).body.data).toEqual({
      whoami: { email: null, staff: false, tags: ['a'] },
    });
    expect((await gql('{ whoami { email staff } }', staff)).body.data).toEqual({
      whoami: { email: 'staff@custom.test', staff: true },
    });
    expect(logged).toEqual(['whoami', 'whoami']);
  });

  it('runs a mutation of your own with its own rule and argument checks', async () => {
    const author = (await client.db!.query(Author).first())!;
    const mutation = 'mutation($id: Int!, $name: String!) { renameAuthor(id: $id, name: $name) { id name } }';
    const refused = await gql(mutation, {}, { id: author.id, name: 'Someone' });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const empty = await gql(mutation, staff, { id: author.id, name: '' });
    expect(empty.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errors: [{ field: 'name', code: 'minLength' }],
    });
    const done = await gql(mutation, staff, { id: author.id, name: 'Renamed' });
    expect(done.body.data).toEqual({ renameAuthor: { id: author.id, name: 'Renamed' } });
    expect((await client.db!.get(Author, author.id as never)).name).toBe('Renamed');
  });

  it('refuses a custom field named like a generated one, when the module is made', () => {
    expect(() => graphql({ collections: { books }, queries: { books: whoami } })).toThrow(
      /two fields are named 'books'/,
    );
  });
});
