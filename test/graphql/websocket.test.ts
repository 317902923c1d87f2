import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuthUser, getAuth, User } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import bookshop from '../../examples/bookshop/app.js';
import { Book, Customer } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { hasRedis, REDIS_URL } from '../support/redis.js';

// Subscriptions over WebSocket with graphql-ws's own client: a customer receives their own
// orders' changes only (the collection's scope), authenticated by a bearer token in
// `connection_init` or by the session cookie from the API's own origin; an anonymous, a
// badly-tokened or a cross-origin cookie connection is refused (4403) before anything runs;
// subscription documents meet the same limits as a POST; a change written on one app
// instance reaches a WebSocket subscriber of another through Redis.

type Json = Record<string, unknown>;
type Client = TestClient<typeof bookshop.routes>;
const PASSWORD = 'a long enough bookshop password';
const ORDER_CHANGES = 'subscription { orderChanged { change id order { id customer { name } } } }';

async function customer(client: Client, name: string): Promise<{ token: string; email: string }> {
  const auth = getAuth(client.app);
  const email = `${name}@ws.test`;
  const user = (await auth.createUser(client.db!, { email, password: PASSWORD })) as AuthUser;
  await client.db!.create(Customer, { name, email, userId: Number(user.id) } as never);
  return { token: (await auth.issueTokens(client.db!, user)).access, email };
}

async function placeOrder(client: Client, token: string): Promise<number> {
  const book = (await client.db!.query(Book).orderBy('id').first())!;
  const res = await client.app.fastify.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    payload: {
      query: `mutation { createOrder(input: { lines: [{ bookId: ${book.id}, quantity: 1 }] }) { order { id } } }`,
    },
  });
  return (res.json() as { data: { createOrder: { order: { id: number } } } }).data.createOrder.order.id;
}

/** A WebSocket class whose handshake carries `headers` (a browser sends its cookie and Origin). */
function socketWith(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

/** One subscription through a graphql-ws client: what it receives, and how it ended. */
function subscribe(
  url: string,
  query: string,
  options: { params?: Json; headers?: Record<string, string> } = {},
) {
  const client: WsClient = createClient({
    url,
    webSocketImpl: socketWith(options.headers ?? {}),
    connectionParams: options.params ?? {},
    retryAttempts: 0,
    lazy: true,
  });
  const received: Json[] = [];
  let failure: unknown;
  let completed = false;
  client.subscribe(
    { query },
    {
      next: (value) => {
        received.push(value as Json);
      },
      error: (error) => {
        failure = error;
      },
      complete: () => {
        completed = true;
      },
    },
  );
  const until = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify({ received, failure })}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    received,
    get failure() {
      return failure;
    },
    /** Waits until the server ended or refused the subscription. */
    async failed(): Promise<unknown> {
      await until(() => failure !== undefined || completed, 'still subscribed');
      return failure;
    },
    async until(count: number) {
      await until(() => received.length >= count, `received ${received.length} of ${count}`);
      return received;
    },
    close: () => client.dispose(),
  };
}

/** Places orders until the subscriber sees one (then it is subscribed), and returns the last. */
async function untilSubscribed(client: Client, token: string, sub: ReturnType<typeof subscribe>) {
  let placed = await placeOrder(client, token);
  const deadline = Date.now() + 10_000;
  while (sub.received.length === 0 && sub.failure === undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    if (sub.received.length === 0) placed = await placeOrder(client, token);
  }
  return placed;
}

const databases = [
  { name: 'SQLite', url: undefined as string | undefined },
  ...(hasPostgres ? [{ name: 'PostgreSQL', url: POSTGRES_URL }] : []),
];

describe.each(databases)('GraphQL subscriptions over WebSocket ($name)', ({ url: database }) => {
  let client: Client;
  let url: string;
  let origin: string;
  let alice: { token: string; email: string };
  let bob: { token: string; email: string };

  beforeAll(async () => {
    client = await createTestClient(bookshop, database ? { database: { url: database } } : {});
    await seed(client.app.db!, getAuth(client.app));
    alice = await customer(client, 'alice');
    bob = await customer(client, 'bob');
    origin = (await client.app.listen({ port: 0, host: '127.0.0.1' })).url.replace(/\/$/, '');
    url = `${origin.replace(/^http/, 'ws')}/graphql`;
  });
  afterAll(() => client?.close());

  it("gives a customer (bearer token in connection_init) their own orders' changes, none of another's", async () => {
    const sub = subscribe(url, ORDER_CHANGES, { params: { authorization: `Bearer ${alice.token}` } });
    await untilSubscribed(client, alice.token, sub);
    const bobs = await placeOrder(client, bob.token);
    const second = await placeOrder(client, alice.token);
    const ids = () => sub.received.map((r) => ((r.data as Json).orderChanged as Json).id as number);
    const deadline = Date.now() + 10_000;
    while (!ids().includes(second) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(ids()).toContain(second);
    expect(ids()).not.toContain(bobs);
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

  it('authenticates with the session cookie from the API’s own origin, and refuses it from another', async () => {
    const login = await fetch(`${origin}/auth/session/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ email: alice.email, password: PASSWORD }),
    });
    expect(login.status).toBe(204);
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const same = subscribe(url, ORDER_CHANGES, { headers: { cookie, origin } });
    await untilSubscribed(client, alice.token, same);
    expect(same.received.length).toBeGreaterThan(0);
    await same.close();

    const evil = subscribe(url, ORDER_CHANGES, { headers: { cookie, origin: 'https://evil.example' } });
    expect(await evil.failed()).toMatchObject({ code: 4403 });
    expect(evil.received).toEqual([]);
    await evil.close();
  });

  it('refuses an anonymous connection and a bad token (4403), before any subscription runs', async () => {
    for (const params of [{}, { authorization: 'Bearer not-a-token' }, { token: 'x.y.z' }]) {
      const sub = subscribe(url, ORDER_CHANGES, { params });
      expect(await sub.failed(), JSON.stringify(params)).toMatchObject({ code: 4403 });
      expect(sub.received).toEqual([]);
      await sub.close();
    }
    // The route a connection is authenticated through answers nothing to a request of its own.
    const direct = await client.app.fastify.inject({
      method: 'GET',
      url: '/graphql/websocket-auth',
      headers: { authorization: `Bearer ${alice.token}`, 'x-basalt-graphql-ws': 'guessed' },
    });
    expect(direct.statusCode).toBe(404);
  });

  it('applies the limits to subscription documents', async () => {
    const deep = `subscription { orderChanged { order { ${'customer { orders { edges { node { '.repeat(5)}id${' } } } }'.repeat(5)} } } }`;
    const aliases = `subscription { ${Array.from({ length: 500 }, (_, i) => `a${i}: orderChanged { id }`).join(' ')} }`;
    for (const query of [deep, aliases]) {
      const sub = subscribe(url, query, { params: { authorization: `Bearer ${alice.token}` } });
      // As over SSE: one result with the errors, then the end; nothing ran.
      const [result] = await sub.until(1);
      expect(await sub.failed()).toBeUndefined();
      expect(result!.data).toBeUndefined();
      const errors = result!.errors as { message: string; extensions?: Json }[];
      expect(errors[0]!.extensions?.code, JSON.stringify(errors)).toMatch(
        /QUERY_TOO_COMPLEX|GRAPHQL_VALIDATION_FAILED/,
      );
      await sub.close();
    }
  });
});

describe.runIf(hasRedis)('GraphQL over WebSocket across app instances through Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-gql-ws-'));
  const database = { url: `sqlite:${join(dir, 'shop.db')}` };
  const env = { REDIS_URL };
  let writer: Client;
  let reader: Client;

  beforeAll(async () => {
    writer = await createTestClient(bookshop, { database, env });
    await seed(writer.app.db!, getAuth(writer.app));
    reader = await createTestClient(bookshop, { database, env });
  });
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a change written on one instance to a WebSocket subscriber of the other', async () => {
    const carol = await customer(writer, 'carol');
    const user = await reader.db!.query(User).where({ email: carol.email }).first();
    const token = (await getAuth(reader.app).issueTokens(reader.db!, user as never)).access;
    const base = (await reader.app.listen({ port: 0, host: '127.0.0.1' })).url.replace(/\/$/, '');
    const sub = subscribe(`${base.replace(/^http/, 'ws')}/graphql`, ORDER_CHANGES, {
      params: { authorization: `Bearer ${token}` },
    });
    await untilSubscribed(writer, carol.token, sub);
    const [result] = await sub.until(1);
    expect((result!.data as Json).orderChanged).toMatchObject({
      change: 'CREATE',
      order: { customer: { name: 'carol' } },
    });
    await sub.close();
  });
});
