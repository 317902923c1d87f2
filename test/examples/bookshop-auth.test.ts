import { Group, getAuth, type TokenPair, User } from 'basalt/auth';
import { createTestClient, type TestClient, type TestResponse } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Book, Customer, Order, OrderLine } from '../../examples/bookshop/models.js';
import { STAFF_PERMISSIONS, seed } from '../../examples/bookshop/seed.js';

const PASSWORD = 'a long enough bookshop password';

interface Problem {
  code: string;
  errors?: { pointer: string; detail: string }[];
}
const pointers = (res: TestResponse) => ((res.body as Problem).errors ?? []).map((e) => e.pointer);

describe('bookshop: signing in, permissions and own orders', () => {
  let client: TestClient<typeof bookshop.routes>;
  beforeAll(async () => {
    client = await createTestClient(bookshop);
    await seed(client.app.db!, getAuth(client.app));
  });
  afterAll(() => client.close());

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ) =>
    client.request({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as never }),
      ...(headers ? { headers } : {}),
    });

  const signIn = async (email: string) => {
    await getAuth(client.app).createUser(client.db!, { email, password: PASSWORD });
    const res = await client.request({
      method: 'POST',
      url: '/auth/token',
      payload: { email, password: PASSWORD },
    });
    expect(res.status).toBe(200);
    return { authorization: `Bearer ${(res.body as TokenPair).access}` };
  };

  it('lets only a user holding add_book add a book', async () => {
    const newBook = { title: 'The Obelisk Gate', isbn: '9780316229265', price: '10.99', authorId: 3 };
    expect((await call('POST', '/api/books', newBook)).status).toBe(401);
    const clerk = await signIn('clerk@bookshop.test');
    const denied = await call('POST', '/api/books', newBook, clerk);
    expect(denied.status).toBe(403);
    const user = await client.db!.query(User).where({ email: 'clerk@bookshop.test' }).first();
    await getAuth(client.app).grantPermissions(client.db!, { user: user!.id }, ['add_book']);
    const created = await call('POST', '/api/books', newBook, clerk);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'The Obelisk Gate', authorId: 3 });
    const id = (created.body as { id: number }).id;
    const shown = await call('GET', `/api/books/${id}?include=author`);
    expect(shown.body).toMatchObject({ author: { name: 'N. K. Jemisin' } });
  });

  it("shows a customer their own orders and nobody else's", async () => {
    const alice = await signIn('alice@bookshop.test');
    const bob = await signIn('bob@bookshop.test');
    const users = await client
      .db!.query(User)
      .where({ email: { endsWith: '@bookshop.test' } })
      .all();
    const idOf = (email: string) => users.find((u) => u.email === email)!.id;
    const aliceCustomer = await client.db!.create(Customer, {
      name: 'Alice',
      email: 'alice@example.com',
      userId: idOf('alice@bookshop.test'),
    });
    const bobCustomer = await client.db!.create(Customer, {
      name: 'Bob',
      email: 'bob@example.com',
      userId: idOf('bob@bookshop.test'),
    });
    const aliceOrder = await client.db!.create(Order, { customerId: aliceCustomer.id });
    await client.db!.create(Order, { customerId: bobCustomer.id });

    const mine = await client.get('/api/orders', { headers: alice });
    expect(mine.status).toBe(200);
    expect(mine.body.results.map((o) => o.id)).toEqual([aliceOrder.id]);
    expect((await client.get('/api/orders', { headers: bob })).body.results.length).toBe(1);
    expect((await client.get('/api/orders')).status).toBe(401);
  });

  // Each test signs up from its own address: signing up is limited to 10 an hour per IP.
  const signUp = (payload: Record<string, unknown>, remoteAddress: string) =>
    client.request({ method: 'POST', url: '/api/signup', payload, remoteAddress });

  const tokenFor = async (email: string, password = PASSWORD) => {
    const res = await client.request({ method: 'POST', url: '/auth/token', payload: { email, password } });
    expect(res.status).toBe(200);
    return { authorization: `Bearer ${(res.body as TokenPair).access}` };
  };

  const orderCounts = async () => ({
    orders: await client.db!.query(Order).count(),
    lines: await client.db!.query(OrderLine).count(),
  });

  it('signs a customer up, signs them in and shows them the orders they place, and only those', async () => {
    const signed = await signUp({ name: 'Carol', email: 'Carol@Shop.test', password: PASSWORD }, '10.0.1.1');
    expect(signed.status).toBe(201);
    const carol = signed.body as { id: number; name: string; email: string; userId: number };
    expect(carol).toMatchObject({ name: 'Carol', email: 'carol@shop.test' });
    const user = await client.db!.query(User).get(carol.userId);
    expect(user.email).toBe('carol@shop.test');
    expect((await client.db!.get(Customer, carol.id)).userId).toBe(carol.userId);

    const asCarol = await tokenFor('carol@shop.test');
    const placed = await client.post('/api/orders', {
      headers: asCarol,
      body: {
        lines: [
          { bookId: 4, quantity: 2 },
          { bookId: 1, quantity: 1 },
        ],
      },
    });
    expect(placed.status).toBe(201);
    const order = placed.body;
    expect(placed.headers.location).toBe(`/api/orders/${order.id}`);
    // Dune at 14.99 twice and A Wizard of Earthsea at 9.99: 39.97, with no float drift.
    expect(order).toMatchObject({
      status: 'placed',
      total: '39.97',
      customerId: carol.id,
      lines: [
        { bookId: 4, quantity: 2, unitPrice: '14.99', orderId: order.id },
        { bookId: 1, quantity: 1, unitPrice: '9.99', orderId: order.id },
      ],
    });
    const stored = await client
      .db!.query(OrderLine)
      .where({ order: { id: order.id } })
      .all();
    expect(stored.map((l) => [l.bookId, l.quantity, l.unitPrice]).sort()).toEqual([
      [1, 1, '9.99'],
      [4, 2, '14.99'],
    ]);

    expect(
      (await signUp({ name: 'Dave', email: 'dave@shop.test', password: PASSWORD }, '10.0.1.2')).status,
    ).toBe(201);
    const asDave = await tokenFor('dave@shop.test');
    const daves = await client.post('/api/orders', {
      headers: asDave,
      body: { lines: [{ bookId: 5, quantity: 1 }] },
    });
    expect(daves.status).toBe(201);

    const carols = await client.get('/api/orders', { headers: asCarol });
    expect(carols.status).toBe(200);
    expect(carols.body.results).toEqual([
      expect.objectContaining({ id: order.id, total: '39.97', status: 'placed' }),
    ]);
    const davesList = (await client.get('/api/orders', { headers: asDave })).body.results;
    expect(davesList.map((o) => o.id)).toEqual([daves.body.id]);
    // A customer cannot set what the shop decides: the price, the status, whose order it is.
    const forged = await client.post('/api/orders', {
      headers: asDave,
      body: { lines: [{ bookId: 5, quantity: 1, unitPrice: '0.01' }], total: '0.01' } as never,
    });
    expect(forged.status).toBe(400);
  });

  it('refuses an order with an unknown book, a repeated book or a quantity below 1, writing nothing', async () => {
    expect(
      (await signUp({ name: 'Erin', email: 'erin@shop.test', password: PASSWORD }, '10.0.2.1')).status,
    ).toBe(201);
    const asErin = await tokenFor('erin@shop.test');
    const before = await orderCounts();
    const place = (lines: unknown) =>
      client.post('/api/orders', { headers: asErin, body: { lines } as never });

    const unknown = await place([
      { bookId: 1, quantity: 1 },
      { bookId: 999, quantity: 1 },
    ]);
    expect(unknown.status).toBe(400);
    expect(unknown.problem?.code).toBe('BASALT_VALIDATION_FAILED');
    expect(pointers(unknown)).toEqual(['/body/lines/1/bookId']);

    const repeated = await place([
      { bookId: 2, quantity: 1 },
      { bookId: 2, quantity: 3 },
    ]);
    expect(repeated.status).toBe(400);
    expect(pointers(repeated)).toEqual(['/body/lines/1/bookId']);

    const zero = await place([{ bookId: 1, quantity: 0 }]);
    expect(zero.status).toBe(400);
    expect(pointers(zero)).toEqual(['/body/lines/0/quantity']);
    expect((await place([])).status).toBe(400);

    expect(await orderCounts()).toEqual(before);
    expect(
      await client
        .db!.query(Order)
        .where({ customer: { email: 'erin@shop.test' } })
        .count(),
    ).toBe(0);
  });

  it('places orders only for a signed-in customer', async () => {
    const body = { lines: [{ bookId: 1, quantity: 1 }] };
    const anonymous = await client.post('/api/orders', { body });
    expect(anonymous.status).toBe(401);
    // An account without a customer profile (a staff member, say) has nobody to order for.
    const noProfile = await signIn('no-profile@bookshop.test');
    const refused = await client.post('/api/orders', { body, headers: noProfile });
    expect(refused.status).toBe(403);
    expect(refused.problem?.code).toBe('BASALT_HTTP_FORBIDDEN');
  });

  it('answers sign-up mistakes with a 400 naming the field, never writing an account', async () => {
    const ip = '10.0.3.1';
    const weak = await signUp({ name: 'Frank', email: 'frank@shop.test', password: 'password' }, ip);
    expect(weak.status).toBe(400);
    expect((weak.body as Problem).code).toBe('BASALT_VALIDATION_FAILED');
    expect(pointers(weak)).toContain('/body/password');

    const similar = await signUp(
      { name: 'Grace Hopper', email: 'grace.hopper@shop.test', password: 'gracehopper1' },
      ip,
    );
    expect(similar.status).toBe(400);
    expect((similar.body as Problem).errors).toEqual([
      expect.objectContaining({ pointer: '/body/password', detail: expect.stringMatching(/too similar/) }),
    ]);

    const missing = await signUp({ email: 'henry@shop.test' }, ip);
    expect(missing.status).toBe(400);
    expect(pointers(missing).sort()).toEqual(['/body/name', '/body/password']);

    const badEmail = await signUp({ name: 'Ivy', email: 'not an email', password: PASSWORD }, ip);
    expect(badEmail.status).toBe(400);
    expect(pointers(badEmail)).toEqual(['/body/email']);

    const emails = ['frank@shop.test', 'grace.hopper@shop.test', 'henry@shop.test'];
    expect(
      await client
        .db!.query(User)
        .where({ email: { in: emails } })
        .count(),
    ).toBe(0);
    expect(
      await client
        .db!.query(Customer)
        .where({ email: { in: emails } })
        .count(),
    ).toBe(0);
  });

  it('answers an email already in use with a 409 and leaves no account without a customer', async () => {
    const ip = '10.0.4.1';
    expect((await signUp({ name: 'Judy', email: 'judy@shop.test', password: PASSWORD }, ip)).status).toBe(
      201,
    );
    const again = await signUp({ name: 'Judy Two', email: 'JUDY@shop.test', password: PASSWORD }, ip);
    expect(again.status).toBe(409);
    expect((again.body as Problem).code).toBe('BASALT_HTTP_CONFLICT');
    expect(pointers(again)).toEqual(['/body/email']);
    expect(await client.db!.query(Customer).where({ email: 'judy@shop.test' }).count()).toBe(1);

    // The seeded customer Ada has no account. The user is written first, then her customer
    // email refuses the second write: the whole sign-up rolls back, and nobody can take over
    // her orders by signing up with her address.
    const ada = await signUp({ name: 'Not Ada', email: 'ada@example.com', password: PASSWORD }, ip);
    expect(ada.status).toBe(409);
    expect(await client.db!.query(User).where({ email: 'ada@example.com' }).count()).toBe(0);
    expect((await client.db!.query(Customer).where({ email: 'ada@example.com' }).first())!.userId).toBeNull();

    // And an account that exists without a customer is not given one.
    await getAuth(client.app).createUser(client.db!, { email: 'kim@shop.test', password: PASSWORD });
    expect((await signUp({ name: 'Kim', email: 'kim@shop.test', password: PASSWORD }, ip)).status).toBe(409);
    expect(await client.db!.query(Customer).where({ email: 'kim@shop.test' }).count()).toBe(0);
  });

  it('limits sign-ups to 10 an hour from one address', async () => {
    const ip = '10.0.5.1';
    for (let i = 0; i < 10; i += 1) expect((await signUp({}, ip)).status).toBe(400);
    const limited = await signUp({ name: 'Mallory', email: 'mallory@shop.test', password: PASSWORD }, ip);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await signUp({}, '10.0.5.2')).status).toBe(400);
  });

  it('lets members of the seeded staff group change and delete books, and nobody else', async () => {
    const staffGroup = await client.db!.query(Group).where({ name: 'staff' }).first();
    expect(staffGroup).toBeDefined();
    expect(await seed(client.app.db!, getAuth(client.app))).toBe(0); // seeding again changes nothing
    expect(await client.db!.query(Group).where({ name: 'staff' }).count()).toBe(1);

    const staff = await signIn('staff@bookshop.test');
    const staffUser = await client.db!.query(User).where({ email: 'staff@bookshop.test' }).first();
    await client.db!.update(User, staffUser!.id, { groups: [staffGroup!.id] });
    const me = await client.request({ url: '/auth/me', headers: staff });
    expect((me.body as { permissions: string[] }).permissions).toEqual(
      expect.arrayContaining([...STAFF_PERMISSIONS]),
    );
    expect(
      (await signUp({ name: 'Liam', email: 'liam@shop.test', password: PASSWORD }, '10.0.6.1')).status,
    ).toBe(201);
    const customer = await tokenFor('liam@shop.test');

    const change = { price: '10.50', title: 'The Left Hand of Darkness (50th anniversary)' };
    expect((await call('PATCH', '/api/books/2', change)).status).toBe(401);
    const denied = await call('PATCH', '/api/books/2', change, customer);
    expect(denied.status).toBe(403);
    expect((denied.body as Problem).code).toBe('BASALT_HTTP_FORBIDDEN');
    expect((await client.db!.get(Book, 2)).price).toBe('12.50');

    const changed = await call('PATCH', '/api/books/2', change, staff);
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: 2, ...change, authorId: 1 });
    expect((await client.db!.get(Book, 2)).price).toBe('10.50');
    const badIsbn = await call('PATCH', '/api/books/2', { isbn: 'abcdefghij' }, staff);
    expect(badIsbn.status).toBe(400);
    expect(pointers(badIsbn)).toEqual([expect.stringMatching(/\/isbn$/)]);
    const readOnly = await call('PATCH', '/api/books/2', { id: 7, createdAt: '2020-01-01T00:00:00Z' }, staff);
    expect(readOnly.status).toBe(400);
    expect((await call('PATCH', '/api/books/999', change, staff)).status).toBe(404);

    const added = await call(
      'POST',
      '/api/books',
      { title: 'The Stone Sky', isbn: '9780316229241', price: '11.99', authorId: 3 },
      staff,
    );
    expect(added.status).toBe(201);
    const id = (added.body as { id: number }).id;
    expect((await call('DELETE', `/api/books/${id}`)).status).toBe(401);
    expect((await call('DELETE', `/api/books/${id}`, undefined, customer)).status).toBe(403);
    const deleted = await call('DELETE', `/api/books/${id}`, undefined, staff);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await call('GET', `/api/books/${id}`)).status).toBe(404);

    // A book someone ordered stays in the catalogue (order lines protect it).
    await client.post('/api/orders', { headers: customer, body: { lines: [{ bookId: 3, quantity: 1 }] } });
    const ordered = await call('DELETE', '/api/books/3', undefined, staff);
    expect(ordered.status).toBe(409);
    expect((ordered.body as Problem).code).toBe('BASALT_DB_DELETE_PROTECTED');
  });
});
