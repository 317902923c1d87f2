import { Group, getAuth, type TokenPair, User } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Review } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';

const PASSWORD = 'a long enough bookshop password';
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Headers = Record<string, string>;
interface Page {
  next: string | null;
  results: { id: number; [key: string]: unknown }[];
}

// The bookshop's REST API (examples/bookshop/api.ts): orders scoped to their owner with a
// cancel action, reviews written by customers as themselves.
describe('bookshop REST API: orders and reviews', () => {
  let client: TestClient<typeof bookshop.routes>;
  let alice: Headers;
  let bob: Headers;
  let staff: Headers;
  let aliceOrder: number;
  let bobOrder: number;
  let address = 0;

  const call = (method: Method, url: string, payload?: unknown, headers?: Headers) =>
    client.request({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as never }),
      ...(headers ? { headers } : {}),
    });

  /** Signs a customer up (from an address of its own: sign-ups are limited per IP) and in. */
  const customer = async (name: string): Promise<Headers> => {
    const email = `${name.toLowerCase()}@api.test`;
    address += 1;
    const signed = await client.request({
      method: 'POST',
      url: '/api/signup',
      payload: { name, email, password: PASSWORD },
      remoteAddress: `10.9.0.${address}`,
    });
    expect(signed.status).toBe(201);
    const res = await call('POST', '/auth/token', { email, password: PASSWORD });
    return { authorization: `Bearer ${(res.body as TokenPair).access}` };
  };

  const order = async (headers: Headers, bookId: number) => {
    const res = await call('POST', '/api/orders', { lines: [{ bookId, quantity: 1 }] }, headers);
    expect(res.status).toBe(201);
    return (res.body as { id: number }).id;
  };

  beforeAll(async () => {
    client = await createTestClient(bookshop);
    await seed(client.app.db!, getAuth(client.app));
    alice = await customer('Alice');
    bob = await customer('Bob');
    aliceOrder = await order(alice, 1);
    bobOrder = await order(bob, 2);
    const email = 'manager@api.test';
    const manager = await getAuth(client.app).createUser(client.db!, {
      email,
      password: PASSWORD,
      isStaff: true,
    });
    const group = await client.db!.query(Group).where({ name: 'staff' }).first();
    await client.db!.update(User, manager.id as never, { groups: [group!.id] } as never);
    const res = await call('POST', '/auth/token', { email, password: PASSWORD });
    staff = { authorization: `Bearer ${(res.body as TokenPair).access}` };
  });
  afterAll(() => client.close());

  it("lists a customer's own orders only, and staff see every order", async () => {
    const mine = await call('GET', '/api/orders', undefined, alice);
    expect(mine.status).toBe(200);
    expect((mine.body as Page).results.map((o) => o.id)).toEqual([aliceOrder]);
    const all = await call('GET', '/api/orders?include=lines', undefined, staff);
    const results = (all.body as Page).results;
    expect(results.map((o) => o.id).sort()).toEqual([aliceOrder, bobOrder].sort());
    expect(results.find((o) => o.id === bobOrder)?.lines).toMatchObject([{ bookId: 2, quantity: 1 }]);
    expect((await call('GET', '/api/orders')).status).toBe(401);
  });

  it("answers 404 for another customer's order, as if it did not exist", async () => {
    expect((await call('GET', `/api/orders/${aliceOrder}`, undefined, alice)).status).toBe(200);
    const other = await call('GET', `/api/orders/${bobOrder}`, undefined, alice);
    expect(other.status).toBe(404);
    expect((await call('POST', `/api/orders/${bobOrder}/cancel`, undefined, alice)).status).toBe(404);
    expect((await call('GET', `/api/orders/${bobOrder}`, undefined, staff)).status).toBe(200);
  });

  it('cancels a placed order once; a second cancel is a 409', async () => {
    const id = await order(alice, 3);
    expect((await call('POST', `/api/orders/${id}/cancel`)).status).toBe(401);
    const cancelled = await call('POST', `/api/orders/${id}/cancel`, undefined, alice);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ id, status: 'cancelled' });
    const again = await call('POST', `/api/orders/${id}/cancel`, undefined, alice);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'BASALT_HTTP_CONFLICT' });
    const filtered = await call('GET', '/api/orders?status=cancelled', undefined, alice);
    expect((filtered.body as Page).results.map((o) => o.id)).toEqual([id]);
  });

  it('does not let orders be created, changed or deleted through the resource', async () => {
    expect((await call('PATCH', `/api/orders/${aliceOrder}`, { status: 'shipped' }, alice)).status).toBe(405);
    expect((await call('DELETE', `/api/orders/${aliceOrder}`, undefined, staff)).status).toBe(405);
  });

  it('lets a customer review a book as themselves, and change only their own reviews', async () => {
    expect((await call('POST', '/api/reviews', { bookId: 1, rating: 5 })).status).toBe(401);
    const posted = await call('POST', '/api/reviews', { bookId: 1, rating: 5, body: 'A classic.' }, alice);
    expect(posted.status).toBe(201);
    const review = posted.body as { id: number; customerId: number };
    const stored = await client.db!.get(Review, review.id);
    expect(stored.customerId).toBe(review.customerId);

    const spoofed = await call('POST', '/api/reviews', { bookId: 1, rating: 1, customerId: 1 }, bob);
    expect(spoofed.status).toBe(400);
    expect(JSON.stringify(spoofed.body)).toContain('customerId');
    const outOfRange = await call('POST', '/api/reviews', { bookId: 1, rating: 7 }, bob);
    expect(outOfRange.status).toBe(400);

    expect((await call('PATCH', `/api/reviews/${review.id}`, { rating: 1 }, bob)).status).toBe(403);
    expect((await call('DELETE', `/api/reviews/${review.id}`, undefined, bob)).status).toBe(403);
    const changed = await call('PATCH', `/api/reviews/${review.id}`, { rating: 4 }, alice);
    expect(changed.status).toBe(200);
    expect((await client.db!.get(Review, review.id)).rating).toBe(4);

    const forBook = await call('GET', '/api/reviews?book=1&include=book');
    expect((forBook.body as Page).results).toMatchObject([
      { rating: 4, book: { title: 'A Wizard of Earthsea' } },
    ]);
    expect(await client.db!.query(Review).count()).toBe(1);
  });

  it('refuses a review from an account without a customer profile', async () => {
    const email = 'noprofile@api.test';
    await getAuth(client.app).createUser(client.db!, { email, password: PASSWORD });
    const res = await call('POST', '/auth/token', { email, password: PASSWORD });
    const headers = { authorization: `Bearer ${(res.body as TokenPair).access}` };
    const refused = await call('POST', '/api/reviews', { bookId: 2, rating: 3 }, headers);
    expect(refused.status).toBe(403);
    expect(await client.db!.query(Review).where({ bookId: 2 }).count()).toBe(0);
  });
});
