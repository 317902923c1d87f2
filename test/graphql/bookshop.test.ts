import { type AuthUser, Group, getAuth, User } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Book, Customer, Order, OrderLine } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// basalt/graphql on the bookshop, against its REST API in the same test: every actor sees the
// same objects and meets the same 401/403/404 rule; lists filter, search, order and page as
// REST's do; a nested order with a bad line writes nothing; relations load in batches; bad
// queries are 400s with GraphQL errors, never 500s.

const PASSWORD = 'a long enough bookshop password';
type Json = Record<string, unknown>;
interface GqlAnswer {
  status: number;
  data: Json | null | undefined;
  errors: { message: string; extensions?: Json; path?: unknown[] }[] | undefined;
}
interface Who {
  name: string;
  headers: Record<string, string>;
}

/** The REST status a GraphQL error code stands for (200 when there is none). */
const STATUS: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
};

const databases = [
  { name: 'SQLite', url: undefined },
  ...(hasPostgres ? [{ name: 'PostgreSQL', url: POSTGRES_URL }] : []),
];

describe.each(databases)('basalt/graphql on the bookshop ($name)', ({ url }) => {
  let client: TestClient<typeof bookshop.routes>;
  const statements: string[] = [];
  const who: Who[] = [];
  let alice: Who;

  const gql = async (
    query: string,
    headers: Record<string, string> = {},
    variables?: Json,
  ): Promise<GqlAnswer> => {
    const res = await client.request({
      method: 'POST',
      url: '/graphql',
      headers,
      payload: { query, ...(variables ? { variables } : {}) } as never,
    });
    const body = res.body as Json;
    return { status: res.status, data: body.data as Json | null, errors: body.errors as GqlAnswer['errors'] };
  };
  const rest = async (url: string, headers: Record<string, string> = {}, payload?: Json) => {
    const res = await client.request({
      method: (payload ? 'POST' : 'GET') as 'GET',
      url,
      headers,
      ...(payload ? { payload: payload as never } : {}),
    });
    return { status: res.status, body: res.body as Json };
  };
  /** The status REST would answer for a GraphQL answer of one field. */
  const statusOf = (answer: GqlAnswer) => {
    if (answer.status !== 200) return answer.status;
    const code = answer.errors?.[0]?.extensions?.code as string | undefined;
    return code ? (STATUS[code] ?? 500) : 200;
  };

  async function person(name: string, extra: Json, customer: boolean): Promise<Who> {
    const auth = getAuth(client.app);
    const db = client.db!;
    const user = (await auth.createUser(db, {
      email: `${name}@gql.test`,
      password: PASSWORD,
      ...extra,
    })) as AuthUser;
    if (customer)
      await db.create(Customer, { name, email: `${name}@gql.test`, userId: Number(user.id) } as never);
    const tokens = await auth.issueTokens(db, user);
    return { name, headers: { authorization: `Bearer ${tokens.access}` } };
  }

  beforeAll(async () => {
    client = await createTestClient(bookshop, {
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
    const db = client.db!;
    await seed(client.app.db!, getAuth(client.app));
    who.push({ name: 'anonymous', headers: {} });
    alice = await person('alice', {}, true);
    who.push(alice, await person('bob', {}, true));
    const staff = await person('manager', { isStaff: true }, false);
    const group = await db.query(Group).where({ name: 'staff' }).first();
    const manager = await db.query(User).where({ email: 'manager@gql.test' }).first();
    await db.update(User, manager!.id as never, { groups: [group!.id] } as never);
    who.push(staff);
    for (const name of ['alice', 'bob']) {
      const customer = await db
        .query(Customer)
        .where({ email: `${name}@gql.test` })
        .first();
      for (const total of ['12.50', '30.00', '7.00'])
        await db.create(Order, { customerId: customer!.id, total } as never);
    }
  });
  afterAll(() => client?.close());

  it('shows every actor the books REST shows, with the same search, ordering, filter and page', async () => {
    for (const { name, headers } of who) {
      const listed = await rest(
        '/api/books?search=the&ordering=-price&price[lt]=14&pageSize=2&page=2&include=author',
        headers,
      );
      const answer = await gql(
        `{ books(search: "the", ordering: [price_DESC], filter: { price_lt: "14" }, pageSize: 2, page: 2) {
             totalCount totalCountIsEstimate page pageSize hasNextPage hasPreviousPage
             items { id title isbn price publishedOn authorId createdAt updatedAt author { id name } } } }`,
        headers,
      );
      expect(answer.errors, name).toBeUndefined();
      const page = answer.data!.books as Json;
      const results = (listed.body.results as Json[]).map((r) => {
        const { tags: _tags, cover: _cover, author, ...rest } = r;
        return { ...rest, author: { id: (author as Json).id, name: (author as Json).name } };
      });
      expect(page.items, name).toEqual(results);
      expect(page.totalCount, name).toBe(listed.body.count);
      expect(page.totalCountIsEstimate, name).toBe(listed.body.countIsEstimate === true);
      expect(page.hasNextPage, name).toBe(listed.body.next !== null);
      expect(page.hasPreviousPage, name).toBe(true);
    }
  });

  it('gives book writes the same 401/403 rule as REST, and writes for staff', async () => {
    const rows: string[] = [];
    let n = 0;
    for (const { name, headers } of who) {
      const author = (await client.db!.query(Book).first())!.authorId;
      n += 1;
      const created = await rest('/api/books', headers, {
        title: `REST ${name}`,
        isbn: String(9_100_000_000 + n),
        price: '9.00',
        authorId: author,
      });
      const answer = await gql(
        `mutation($input: BookCreateInput!) { createBook(input: $input) { book { id title price authorId author { id } } errors { field } } }`,
        headers,
        {
          input: {
            title: `GraphQL ${name}`,
            isbn: String(9_200_000_000 + n),
            price: '9.00',
            authorId: author,
          },
        },
      );
      const code = statusOf(answer);
      expect(code === 200 ? 201 : code, name).toBe(created.status);
      if (code === 200) {
        expect((answer.data!.createBook as Json).errors).toEqual([]);
        const book = (answer.data!.createBook as Json).book as Json;
        expect(book.title).toBe(`GraphQL ${name}`);
        // A relation the mutation did not write is read again for the answer.
        expect(book.author).toEqual({ id: author });
        expect(
          await client
            .db!.query(Book)
            .where({ id: book.id as number })
            .count(),
        ).toBe(1);
        const updated = await gql(
          `mutation { updateBook(id: ${book.id}, input: { price: "8.00" }) { book { price author { id } } errors { field } } }`,
          headers,
        );
        expect(updated.data).toEqual({
          updateBook: { book: { price: '8.00', author: { id: author } }, errors: [] },
        });
        expect(await gql(`mutation { deleteBook(id: ${book.id}) }`, headers)).toMatchObject({
          data: { deleteBook: true },
        });
        const again = await gql(`mutation { deleteBook(id: ${book.id}) }`, headers);
        expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      } else expect(answer.data).toBeNull();
      rows.push(`${name}: ${created.status} ${answer.errors?.[0]?.extensions?.code ?? 'ok'}`);
    }
    expect(rows).toEqual([
      'anonymous: 401 UNAUTHENTICATED',
      'alice: 403 FORBIDDEN',
      'bob: 403 FORBIDDEN',
      'manager: 201 ok',
    ]);
  });

  it("shows each customer only their own orders; another customer's order is NOT_FOUND like a missing one", async () => {
    const ids = (await client.db!.query(Order).orderBy('id').all()).map((o) => o.id);
    const rows: string[] = [];
    for (const { name, headers } of who) {
      const listed = await rest('/api/orders?include=customer', headers);
      const answer = await gql(
        '{ orders(first: 100) { nodes { id total status customer { id name } } } }',
        headers,
      );
      expect(statusOf(answer), name).toBe(listed.status);
      if (listed.status === 200) {
        const fromRest = (listed.body.results as Json[]).map((o) => ({
          id: o.id,
          total: o.total,
          status: o.status,
          customer: { id: (o.customer as Json).id, name: (o.customer as Json).name },
        }));
        expect((answer.data!.orders as Json).nodes, name).toEqual(fromRest);
      }
      const statuses: number[] = [];
      for (const id of [ids[0], ids[3], 999_999]) {
        const got = await rest(`/api/orders/${id}`, headers);
        const one = await gql(`{ order(id: ${id}) { id total } }`, headers);
        expect(statusOf(one), `${name} order ${id}`).toBe(got.status);
        if (got.status === 200) expect(one.data!.order).toEqual({ id: got.body.id, total: got.body.total });
        statuses.push(got.status);
      }
      rows.push(`${name}: ${statuses.join(' ')}`);
    }
    expect(rows).toEqual([
      'anonymous: 401 401 401',
      'alice: 200 404 404',
      'bob: 404 200 404',
      'manager: 200 200 404',
    ]);
  });

  it("answers `me`, the bookshop's own query, for the signed-in customer and null for anyone else", async () => {
    const customer = await client.db!.query(Customer).where({ email: 'alice@gql.test' }).first();
    const orders = await client.db!.query(Order).where({ customerId: customer!.id }).count();
    expect((await gql('{ me { name email orders } }', alice.headers)).data).toEqual({
      me: { name: 'alice', email: 'alice@gql.test', orders },
    });
    expect((await gql('{ me { name } }')).data).toEqual({ me: null });
    expect((await gql('{ me { name } }', who[3]!.headers)).data).toEqual({ me: null });
  });

  it('pages orders with cursors, as REST does', async () => {
    const manager = who[3]!.headers;
    const seen: number[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i += 1) {
      const answer = await gql(
        'query($after: String) { orders(first: 4, after: $after, ordering: [total_ASC]) { nodes { id } pageInfo { hasNextPage endCursor } } }',
        manager,
        { after },
      );
      const page = answer.data!.orders as { nodes: { id: number }[]; pageInfo: Json };
      seen.push(...page.nodes.map((n) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor as string;
    }
    const fromRest: number[] = [];
    let url: string | null = '/api/orders?pageSize=4&ordering=total';
    while (url) {
      const page = await rest(url, manager);
      fromRest.push(...(page.body.results as Json[]).map((o) => o.id as number));
      url = page.body.next
        ? new URL(page.body.next as string).pathname + new URL(page.body.next as string).search
        : null;
    }
    expect(seen).toEqual(fromRest);
    expect(seen).toHaveLength(6);
  });

  it('places an order with its lines, and a bad line comes back in the payload pointing at it with nothing written', async () => {
    const [first, second] = await client.db!.query(Book).orderBy('id').limit(2).all();
    const place = `mutation($lines: [OrderCreateLinesInput!]) { createOrder(input: { lines: $lines }) { order { id total lines { bookId quantity unitPrice } } errors { field message code } } }`;
    const placed = await gql(place, alice.headers, { lines: [{ bookId: first!.id, quantity: 2 }] });
    expect(placed.errors).toBeUndefined();
    expect(((placed.data!.createOrder as Json).order as Json).lines).toEqual([
      { bookId: first!.id, quantity: 2, unitPrice: first!.price },
    ]);

    const orders = await client.db!.query(Order).count();
    const lines = await client.db!.query(OrderLine).count();
    for (const bad of [
      [
        { bookId: first!.id, quantity: 1 },
        { bookId: second!.id, quantity: 1 },
        { bookId: 999_999, quantity: 1 },
      ],
      [
        { bookId: first!.id, quantity: 1 },
        { bookId: second!.id, quantity: 1 },
        { bookId: second!.id, quantity: 1 },
      ],
    ]) {
      const answer = await gql(place, alice.headers, { lines: bad });
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      const payload = answer.data!.createOrder as { order: unknown; errors: Json[] };
      expect(payload.order).toBeNull();
      expect(payload.errors[0]).toMatchObject({ field: expect.stringMatching(/^lines\/2\//) });
      expect(typeof payload.errors[0]!.message).toBe('string');
    }
    const zero = await gql(place, alice.headers, { lines: [{ bookId: first!.id, quantity: 0 }] });
    expect(zero.data).toEqual({
      createOrder: {
        order: null,
        errors: [{ field: 'lines/0/quantity', message: expect.any(String), code: expect.any(String) }],
      },
    });
    expect(await client.db!.query(Order).count()).toBe(orders);
    expect(await client.db!.query(OrderLine).count()).toBe(lines);
    // A missing required child field is refused by GraphQL's own input types: a 400, nothing run.
    const missing = await gql(place, alice.headers, { lines: [{ bookId: first!.id }] });
    expect(missing.status).toBe(400);
    expect(missing.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('loads relations in batches: the statements do not grow with the rows (no N+1)', async () => {
    const query = (size: number) =>
      `{ books(pageSize: ${size}) { items { id author { name } tags { name } } } orders(first: ${size}) { nodes { id customer { name } lines { bookId } } } }`;
    const count = async (size: number) => {
      statements.length = 0;
      const answer = await gql(query(size), who[3]!.headers);
      expect(answer.errors).toBeUndefined();
      return {
        statements: statements.length,
        rows: ((answer.data!.books as Json).items as unknown[]).length,
      };
    };
    const few = await count(1);
    const many = await count(50);
    expect(many.rows).toBeGreaterThan(5);
    expect(many.statements).toBe(few.statements);
  });

  it('refuses queries past the depth and alias limits before any resolver runs (400)', async () => {
    let deep = '__typename';
    for (let i = 0; i < 14; i += 1) deep = `ofType { ${deep} }`;
    const circular = await gql(`{ __schema { types { fields { type { ${deep} } } } } }`);
    expect(circular.status).toBe(400);
    expect(circular.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(circular.errors?.[0]?.message).toMatch(/deeper than 10/);

    statements.length = 0;
    const aliases = Array.from({ length: 40 }, (_, i) => `b${i}: books { totalCount }`).join(' ');
    const many = await gql(`{ ${aliases} }`);
    expect(many.status).toBe(400);
    expect(many.errors?.[0]?.message).toMatch(/40 aliases/);
    expect(statements).toEqual([]);

    const costly = await gql(
      `{ ${Array.from({ length: 8 }, (_, i) => `b${i}: books(pageSize: 100) { items { id title price isbn author { id name } } }`).join(' ')} }`,
    );
    expect(costly.status).toBe(400);
    expect(costly.errors?.[0]?.message).toMatch(/costs more than 5000/);
  });

  it('answers bad input with 400 and GraphQL errors, never a 500', async () => {
    const cases: [string, string, Json | undefined, number, string][] = [
      ['syntax error', '{ books { items { id }', undefined, 400, 'GRAPHQL_PARSE_FAILED'],
      ['unknown field', '{ books { items { nope } } }', undefined, 400, 'GRAPHQL_VALIDATION_FAILED'],
      [
        'wrong argument type',
        '{ books(pageSize: "ten") { totalCount } }',
        undefined,
        400,
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [
        'unknown ordering',
        '{ books(ordering: [nope_ASC]) { totalCount } }',
        undefined,
        400,
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [
        'wrong variable type',
        'query($n: Int) { books(pageSize: $n) { totalCount } }',
        { n: 'x' },
        400,
        'BAD_USER_INPUT',
      ],
      ['page size too large', '{ books(pageSize: 1000) { totalCount } }', undefined, 200, 'BAD_USER_INPUT'],
      ['page past the end', '{ books(page: 99) { totalCount } }', undefined, 200, 'NOT_FOUND'],
      [
        'bad filter value',
        '{ books(filter: { price_lt: "cheap" }) { totalCount } }',
        undefined,
        200,
        'BAD_USER_INPUT',
      ],
      [
        'bad date filter',
        '{ books(filter: { publishedOn_lt: "soon" }) { totalCount } }',
        undefined,
        200,
        'BAD_USER_INPUT',
      ],
      ['forged cursor', '{ orders(after: "n.forged") { nodes { id } } }', undefined, 200, 'UNAUTHENTICATED'],
      [
        'two operations, none named',
        'query A { books { totalCount } } query B { books { totalCount } }',
        undefined,
        400,
        'BAD_REQUEST',
      ],
      [
        'too many search words',
        `{ books(search: "${'a '.repeat(11)}") { totalCount } }`,
        undefined,
        200,
        'BAD_USER_INPUT',
      ],
    ];
    for (const [what, query, variables, status, code] of cases) {
      const answer = await gql(query, {}, variables);
      expect(answer.status, what).toBe(status);
      expect(answer.errors?.[0]?.extensions?.code, what).toBe(code);
      expect(JSON.stringify(answer.errors), what).not.toMatch(/stack|at .*\.ts/);
    }
    const dated = await gql('{ books(filter: { publishedOn_lt: "1970-01-01" }) { totalCount } }');
    expect(dated.errors).toBeUndefined();
    expect((dated.data!.books as Json).totalCount).toBeGreaterThan(0);
    const forged = await gql('{ orders(after: "n.forged") { nodes { id } } }', alice.headers);
    expect(forged.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const pageField = await gql('{ books(pageSize: 1000) { totalCount } }');
    expect(pageField.errors?.[0]?.extensions?.errors).toEqual([
      { field: 'pageSize', message: 'must be an integer from 1 to 100' },
    ]);

    // Not a GraphQL request at all: the endpoint's own 400s (problem+json).
    for (const payload of [
      'not json',
      JSON.stringify('{ books { totalCount } }'),
      JSON.stringify({ variables: {} }),
    ]) {
      const res = await client.app.fastify.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, payload).toBe(400);
    }
  });

  it('refuses a form post (a mutation a cross-site form could send) before anything runs', async () => {
    const first = (await client.db!.query(Book).orderBy('id').first())!.id;
    for (const type of [
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await client.app.fastify.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': type, ...who[3]!.headers },
        payload: `query=${encodeURIComponent(`mutation { deleteBook(id: ${first}) }`)}`,
      });
      expect([400, 415], type).toContain(res.statusCode);
    }
    expect(await client.db!.query(Book).where({ id: first }).count()).toBe(1);
  });

  it('runs queries over GET, refuses mutations over GET, and serves GraphiQL to a browser outside production', async () => {
    const got = await client.app.fastify.inject({
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('{ books(pageSize: 1) { totalCount } }')}`,
    });
    expect(got.statusCode).toBe(200);
    expect(got.json().data.books.totalCount).toBeGreaterThan(0);
    const first = (await client.db!.query(Book).orderBy('id').first())!.id;
    const mutation = await client.app.fastify.inject({
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent(`mutation { deleteBook(id: ${first}) }`)}`,
    });
    expect(mutation.statusCode).toBe(405);
    expect(await client.db!.query(Book).where({ id: first }).count()).toBe(1);
    const badVariables = await client.app.fastify.inject({
      method: 'GET',
      url: '/graphql?query=%7B__typename%7D&variables=%7Bnope',
    });
    expect(badVariables.statusCode).toBe(400);
    const page = await client.app.fastify.inject({
      method: 'GET',
      url: '/graphql',
      headers: { accept: 'text/html' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('GraphiQL');
    const introspection = await gql('{ __schema { queryType { name } } }');
    expect(introspection.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});
