import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuthUser, getAuth, User } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { createClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Book, Customer, OrderLine } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { hasRedis, REDIS_URL } from '../support/redis.js';

// Subscriptions to model changes over Server-Sent Events (graphql-sse's client, "distinct
// connections" mode): a customer subscribed to orders receives their own orders only (the
// collection's scope), in order; a change made on one app instance reaches a subscriber of
// another through Redis, and within one process without it.

type Json = Record<string, unknown>;
type Client = TestClient<typeof bookshop.routes>;
const PASSWORD = 'a long enough bookshop password';

async function listen(client: Client): Promise<string> {
  await client.app.fastify.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(client.app.fastify.server.address() as AddressInfo).port}/graphql`;
}

/** A customer with a bearer token (issued by `issuer`, the app it is for: by default the same). */
async function customer(client: Client, name: string, issuer = client): Promise<Record<string, string>> {
  const auth = getAuth(client.app);
  const user = (await auth.createUser(client.db!, {
    email: `${name}@sub.test`,
    password: PASSWORD,
  })) as AuthUser;
  await client.db!.create(Customer, { name, email: `${name}@sub.test`, userId: Number(user.id) } as never);
  const { access } = await getAuth(issuer.app).issueTokens(issuer.db!, user);
  return { authorization: `Bearer ${access}` };
}

async function placeOrder(client: Client, headers: Record<string, string>): Promise<number> {
  const book = (await client.db!.query(Book).orderBy('id').first())!;
  const res = await client.app.fastify.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    payload: {
      query: `mutation { createOrder(input: { lines: [{ bookId: ${book.id}, quantity: 1 }] }) { order { id } errors { field } } }`,
    },
  });
  const payload = (res.json() as { data: { createOrder: { order: { id: number } } } }).data.createOrder;
  return payload.order.id;
}

/** Collects what a subscription receives. */
function subscribe(url: string, headers: Record<string, string>, query: string) {
  const sse = createClient({ url, singleConnection: false, headers, retryAttempts: 0 });
  const received: Json[] = [];
  const iterator = sse.iterate({ query });
  const done = (async () => {
    for await (const result of iterator) received.push(result as Json);
  })();
  return {
    received,
    async until(count: number) {
      const deadline = Date.now() + 10_000;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`received ${received.length} of ${count}: ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
    /** Resolves when the server ended the stream. */
    ended: done,
    dispose: () => sse.dispose(),
    async close() {
      await iterator.return?.();
      await done.catch(() => undefined);
      sse.dispose();
    },
  };
}

const ORDER_CHANGES = 'subscription { orderChanged { change id order { id customer { name } } } }';

const databases = [
  { name: 'SQLite', url: undefined as string | undefined },
  ...(hasPostgres ? [{ name: 'PostgreSQL', url: POSTGRES_URL }] : []),
];

describe.each(databases)('GraphQL subscriptions in one process (no Redis, $name)', ({ url: database }) => {
  let client: Client;
  let url: string;
  let alice: Record<string, string>;
  let bob: Record<string, string>;

  beforeAll(async () => {
    client = await createTestClient(bookshop, database ? { database: { url: database } } : {});
    await seed(client.app.db!, getAuth(client.app));
    alice = await customer(client, 'alice');
    bob = await customer(client, 'bob');
    url = await listen(client);
  });
  afterAll(() => client?.close());

  it("gives a customer their own orders' changes, in order, and none of another customer's", async () => {
    const sub = subscribe(url, alice, ORDER_CHANGES);
    // Orders are placed until one reaches the subscriber: then its stream is open (orders
    // placed before it opened are not replayed).
    await placeOrder(client, alice);
    const deadline = Date.now() + 10_000;
    while (sub.received.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      if (sub.received.length === 0) await placeOrder(client, alice);
    }
    const bobs = await placeOrder(client, bob);
    const second = await placeOrder(client, alice);
    const deadline2 = Date.now() + 10_000;
    const ids = () => sub.received.map((r) => ((r.data as Json).orderChanged as Json).id as number);
    while (!ids().includes(second) && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 10));
    expect(ids()).toContain(second);
    expect(ids()).not.toContain(bobs);
    // In the order written, each read as alice may see it.
    expect(ids()).toEqual([...ids()].sort((x, y) => x - y));
    for (const result of sub.received)
      expect(result).toEqual({
        data: {
          orderChanged: {
            change: 'CREATE',
            id: expect.any(Number),
            order: { id: expect.any(Number), customer: { name: 'alice' } },
          },
        },
      });
    await sub.close();
  });

  it('follows one book by id: its update with the new value, then its deletion; other books not', async () => {
    const auth = getAuth(client.app);
    const user = (await auth.createUser(client.db!, {
      email: 'staff@sub.test',
      password: PASSWORD,
      isStaff: true,
      isSuperuser: true,
    })) as AuthUser;
    const staff = { authorization: `Bearer ${(await auth.issueTokens(client.db!, user)).access}` };
    const [followed, other] = await client.db!.query(Book).orderBy('id').limit(2).all();
    const gql = (query: string) =>
      client.app.fastify.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', ...staff },
        payload: { query },
      });
    // Anyone may read books: an anonymous subscriber follows one.
    const sub = subscribe(
      url,
      {},
      `subscription { bookChanged(id: ${followed!.id}) { change id book { id price } } }`,
    );
    let price = 10;
    const deadline = Date.now() + 10_000;
    while (sub.received.length === 0 && Date.now() < deadline) {
      await gql(`mutation { updateBook(id: ${other!.id}, input: { price: "1.00" }) { errors { field } } }`);
      price += 1;
      await gql(
        `mutation { updateBook(id: ${followed!.id}, input: { price: "${price}.00" }) { errors { field } } }`,
      );
      await new Promise((r) => setTimeout(r, 20));
    }
    const [first] = await sub.until(1);
    expect(first).toEqual({
      data: {
        bookChanged: {
          change: 'UPDATE',
          id: followed!.id,
          book: { id: followed!.id, price: expect.stringMatching(/^\d+\.00$/) },
        },
      },
    });
    const count = sub.received.length;
    await client.db!.deleteMany(OrderLine, { bookId: followed!.id } as never);
    const deleted = await gql(`mutation { deleteBook(id: ${followed!.id}) }`);
    expect(deleted.json()).toEqual({ data: { deleteBook: true } });
    const all = await sub.until(count + 1);
    expect(all.at(-1)).toEqual({ data: { bookChanged: { change: 'DELETE', id: followed!.id, book: null } } });
    expect(all.every((r) => ((r.data as Json).bookChanged as Json).id === followed!.id)).toBe(true);
    await sub.close();
  });

  it('refuses an anonymous subscriber with UNAUTHENTICATED, and a subscription over plain POST', async () => {
    const sub = subscribe(url, {}, ORDER_CHANGES);
    const [result] = await sub.until(1);
    expect((result!.errors as Json[])[0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    await sub.close();
    const plain = await client.app.fastify.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', ...alice },
      payload: { query: ORDER_CHANGES },
    });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().errors[0].message).toMatch(/text\/event-stream/);
  });
});

describe('GraphQL subscriptions when the app stops', () => {
  it('ends open streams, so stopping the app does not wait for subscribers', async () => {
    const client = await createTestClient(bookshop);
    await seed(client.app.db!, getAuth(client.app));
    const dave = await customer(client, 'dave');
    const sub = subscribe(await listen(client), dave, ORDER_CHANGES);
    const deadline = Date.now() + 10_000;
    while (sub.received.length === 0 && Date.now() < deadline) {
      await placeOrder(client, dave);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(sub.received.length).toBeGreaterThan(0);
    await client.close();
    await sub.ended;
    sub.dispose();
  });
});

describe.runIf(hasRedis)('GraphQL subscriptions across app instances through Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-gql-sub-'));
  const database = { url: `sqlite:${join(dir, 'shop.db')}` };
  let writer: Client;
  let reader: Client;

  beforeAll(async () => {
    const env = { REDIS_URL };
    writer = await createTestClient(bookshop, { database, env });
    await seed(writer.app.db!, getAuth(writer.app));
    reader = await createTestClient(bookshop, { database, env });
  });
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a change written on one instance to a subscriber of the other', async () => {
    const carolAtWriter = await customer(writer, 'carol');
    const carol = await getAuth(reader.app).issueTokens(
      reader.db!,
      (await reader.db!.query(User).where({ email: 'carol@sub.test' }).first()) as never,
    );
    const alice = { authorization: `Bearer ${carol.access}` };
    const url = await listen(reader);
    const sub = subscribe(url, alice, ORDER_CHANGES);
    let placed = await placeOrder(writer, carolAtWriter);
    const deadline = Date.now() + 10_000;
    while (sub.received.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      if (sub.received.length === 0) placed = await placeOrder(writer, carolAtWriter);
    }
    const [result] = await sub.until(1);
    expect((result!.data as Json).orderChanged).toMatchObject({
      change: 'CREATE',
      order: { customer: { name: 'carol' } },
    });
    expect(placed).toBeGreaterThan(0);
    await sub.close();
  });
});
