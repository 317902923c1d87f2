import { getAuth } from 'basalt/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, startShop } from './harness.js';
import { Order } from './shop.js';

type Who = { id: number; headers: Record<string, string> };

describe.each(cases)('resource permissions on $name', ({ database }) => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let staff: Who;
  let alice: Who;
  let bob: Who;
  let editor: Who;
  beforeAll(async () => {
    shop = await startShop(database);
    staff = await shop.user({ isStaff: true });
    alice = await shop.user();
    bob = await shop.user();
    editor = await shop.user();
    const service = getAuth(shop.client.app);
    await service.grantPermissions(shop.client.db!, { user: editor.id }, ['add_author', 'change_author']);
  });
  afterAll(() => shop.client.close());

  it('lets anyone read the catalogue and only staff write it (401 anonymous, 403 others)', async () => {
    const book = await shop.book();
    expect((await shop.call('GET', '/api/books')).status).toBe(200);
    expect((await shop.call('GET', `/api/books/${book.id}`)).status).toBe(200);
    const body = { price: '1.00' };
    const anonymous = await shop.call('PATCH', `/api/books/${book.id}`, { body });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('BASALT_HTTP_UNAUTHENTICATED');
    expect(anonymous.headers['www-authenticate']).toBeDefined();
    const member = await shop.call('PATCH', `/api/books/${book.id}`, { headers: alice.headers, body });
    expect(member.status).toBe(403);
    expect(member.body.code).toBe('BASALT_HTTP_FORBIDDEN');
    expect((await shop.call('DELETE', `/api/books/${book.id}`, { headers: alice.headers })).status).toBe(403);
    expect((await shop.call('PATCH', `/api/books/${book.id}`, { headers: staff.headers, body })).status).toBe(
      200,
    );
  });

  it('checks model permissions per action', async () => {
    const created = await shop.call('POST', '/api/authors', {
      headers: editor.headers,
      body: { name: 'Le Guin' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(
      (await shop.call('PATCH', `/api/authors/${id}`, { headers: editor.headers, body: { bio: 'x' } }))
        .status,
    ).toBe(200);
    const refused = await shop.call('DELETE', `/api/authors/${id}`, { headers: editor.headers });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('delete_author');
    expect(
      (await shop.call('POST', '/api/authors', { headers: alice.headers, body: { name: 'x' } })).status,
    ).toBe(403);
  });

  it('shows and accepts a field only for the users its rules allow', async () => {
    const book = await shop.book({ cost: '4.00' });
    const publicView = await shop.call('GET', `/api/books/${book.id}`);
    expect(publicView.body).not.toHaveProperty('cost');
    const memberView = await shop.call('GET', `/api/books/${book.id}`, { headers: alice.headers });
    expect(memberView.body).not.toHaveProperty('cost');
    const staffView = await shop.call('GET', `/api/books/${book.id}`, { headers: staff.headers });
    expect(staffView.body).toMatchObject({ cost: '4.00' });
    const list = await shop.call('GET', `/api/books?pageSize=100`);
    for (const item of list.body.results!) expect(item).not.toHaveProperty('cost');
  });

  it('scopes the list to the owner and hides other owners\u2019 objects as 404', async () => {
    const mine = await shop.call('POST', '/api/orders', {
      headers: alice.headers,
      body: { note: 'alice 1' },
    });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ ownerId: alice.id, status: 'placed', note: 'alice 1' });
    const theirs = await shop.call('POST', '/api/orders', { headers: bob.headers, body: { note: 'bob 1' } });
    const listed = await shop.call('GET', '/api/orders', { headers: alice.headers });
    expect(listed.body.results!.map((o) => o.note)).toEqual(['alice 1']);
    const other = `/api/orders/${theirs.body.id}`;
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { note: 'mine now' }],
      ['PUT', { note: 'mine now' }],
      ['POST', undefined],
    ] as const) {
      const url = method === 'POST' ? `${other}/cancel` : other;
      const res = await shop.call(method, url, { headers: alice.headers, body });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body.code).toBe('BASALT_DB_RECORD_NOT_FOUND');
    }
    expect((await shop.client.db!.get(Order, theirs.body.id as number)).note).toBe('bob 1');
    const staffList = await shop.call('GET', '/api/orders?pageSize=50', { headers: staff.headers });
    expect(staffList.body.results!.length).toBeGreaterThanOrEqual(2);
    expect((await shop.call('GET', '/api/orders')).status).toBe(401);
  });

  it('runs custom actions on one object and on the collection, with object checks', async () => {
    const order = await shop.call('POST', '/api/orders', {
      headers: alice.headers,
      body: { note: 'to cancel' },
    });
    const summary = await shop.call('GET', '/api/orders/summary', { headers: alice.headers });
    expect(summary.status).toBe(200);
    const placed = summary.body.placed as number;
    const cancel = await shop.call('POST', `/api/orders/${order.body.id}/cancel`, { headers: alice.headers });
    expect(cancel.status).toBe(201);
    expect(cancel.body).toEqual({ id: order.body.id, status: 'cancelled' });
    const again = await shop.call('POST', `/api/orders/${order.body.id}/cancel`, { headers: alice.headers });
    expect(again.status).toBe(403);
    expect(again.body.code).toBe('BASALT_HTTP_FORBIDDEN');
    expect((await shop.call('GET', '/api/orders/summary', { headers: alice.headers })).body.placed).toBe(
      placed - 1,
    );
    expect((await shop.call('POST', `/api/orders/${order.body.id}/cancel`)).status).toBe(401);
  });

  it('lets only staff delete orders', async () => {
    const order = await shop.call('POST', '/api/orders', { headers: alice.headers, body: {} });
    expect(
      (await shop.call('DELETE', `/api/orders/${order.body.id}`, { headers: alice.headers })).status,
    ).toBe(403);
    expect(
      (await shop.call('DELETE', `/api/orders/${order.body.id}`, { headers: staff.headers })).status,
    ).toBe(204);
  });
});
