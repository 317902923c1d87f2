import { defineApp } from 'basalt';
import { auth, getAuth } from 'basalt/auth';
import { graphql } from 'basalt/graphql';
import type { AnyEndpoint } from 'basalt/http';
import { defineCollection } from 'basalt/ops';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Book, Customer, Order, OrderLine } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// Relay connections over a cursor-paginated collection (an edge's cursor pages from that
// object, both ways, as REST's cursors do) and relations loaded in batches: a query three
// levels deep over 100 orders runs the same statements as over one (no N+1).

type Json = Record<string, unknown>;

const orders = defineCollection(Order, {
  include: { customer: {}, lines: { model: OrderLine }, 'lines.book': {}, 'lines.book.author': {} },
  ordering: ['total', 'createdAt'],
  pagination: { style: 'cursor', pageSize: 20, maxPageSize: 100 },
  permissions: { read: 'anyone', write: 'staff' },
});

const shop = defineApp({
  name: 'graphqlconnections',
  models: bookshop.models,
  migrations: bookshop.migrations,
  modules: [auth(), graphql({ collections: { orders } })],
});

const databases = [
  { name: 'SQLite', url: undefined },
  ...(hasPostgres ? [{ name: 'PostgreSQL', url: POSTGRES_URL }] : []),
];

describe.each(databases)('GraphQL connections and batched relations ($name)', ({ url }) => {
  let client: TestClient<AnyEndpoint[]>;
  const statements: string[] = [];
  const gql = async (query: string, variables?: Json) => {
    const res = await client.app.fastify.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query, ...(variables ? { variables } : {}) },
    });
    const body = res.json() as { data?: Json; errors?: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data!;
  };

  beforeAll(async () => {
    client = await createTestClient(shop, {
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
    const customer = await db.create(Customer, { name: 'Many', email: 'many@conn.test' } as never);
    const books = await db.query(Book).orderBy('id').all();
    // Totals repeat (ten of each): the ordering's ties are broken by id, as REST's are.
    const placed = await db.createMany(
      Order,
      Array.from({ length: 100 }, (_, i) => ({
        customerId: customer.id,
        total: `${(i % 10) + 1}.00`,
      })) as never,
    );
    await db.createMany(
      OrderLine,
      placed.flatMap((order, i) =>
        [0, 1].map((k) => ({
          orderId: order.id,
          bookId: books[(i + k) % books.length]!.id,
          quantity: k + 1,
          unitPrice: '1.00',
        })),
      ) as never,
    );
  });
  afterAll(() => client?.close());

  it('pages with Relay edges: each cursor pages after it and before it', async () => {
    const page = async (args: string) =>
      (
        await gql(
          `{ orders(${args}, ordering: [total_DESC]) { edges { cursor node { id total } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
        )
      ).orders as {
        edges: { cursor: string; node: { id: number; total: string } }[];
        nodes: { id: number }[];
        pageInfo: Json;
      };
    const all: number[] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i += 1) {
      const got = await page(`first: 30${after ? `, after: "${after}"` : ''}`);
      expect(got.nodes.map((n) => n.id)).toEqual(got.edges.map((e) => e.node.id));
      expect(got.pageInfo.startCursor).toBe(got.edges[0]?.cursor ?? null);
      expect(got.pageInfo.endCursor).toBe(got.edges.at(-1)?.cursor ?? null);
      all.push(...got.edges.map((e) => e.node.id));
      if (!got.pageInfo.hasNextPage) break;
      after = got.pageInfo.endCursor as string;
    }
    // The same order as one page of them all (ties on total broken by id).
    const fromRest = (await page('first: 100')).nodes.map((n) => n.id);
    expect(fromRest).toHaveLength(100);
    expect(all).toEqual(fromRest);

    // From the middle: after the 45th object come the 46th on; before it, the 44th back.
    const middle = await page('first: 50');
    const cursor = middle.edges[44]!.cursor;
    expect((await page(`first: 3, after: "${cursor}"`)).nodes.map((n) => n.id)).toEqual(
      fromRest.slice(45, 48),
    );
    const before = await page(`first: 3, before: "${cursor}"`);
    expect(before.nodes.map((n) => n.id)).toEqual(fromRest.slice(41, 44));
    expect(before.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  });

  it('loads relations three levels deep over 100 orders in as many statements as over one', async () => {
    const query = (first: number) =>
      `{ orders(first: ${first}) { edges { node { id customer { name } lines { quantity book { title author { name } } } } } } }`;
    const count = async (first: number) => {
      statements.length = 0;
      const data = await gql(query(first));
      const edges = (data.orders as { edges: { node: { lines: { book: { author: Json } }[] } }[] }).edges;
      return {
        statements: statements.length,
        orders: edges.length,
        authors: edges[0]!.node.lines[0]!.book.author,
      };
    };
    const one = await count(1);
    const hundred = await count(100);
    expect(hundred.orders).toBe(100);
    expect(hundred.authors).toEqual({ name: expect.any(String) });
    expect(hundred.statements).toBe(one.statements);
    // The orders, their customers, lines, books and authors: one statement each.
    expect(hundred.statements).toBeLessThanOrEqual(5);
  });
});
