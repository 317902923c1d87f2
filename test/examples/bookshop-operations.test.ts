import { isBasaltError } from 'basalt';
import { type AuthUser, Group, getAuth, User } from 'basalt/auth';
import { type Actor, anonymous, operations, userActor } from 'basalt/ops';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookCollection, orderCollection } from '../../examples/bookshop/api.js';
import bookshop from '../../examples/bookshop/app.js';
import { Book, Customer, Order } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';

// The same actor × operation matrix through REST and through basalt/ops directly, on the
// bookshop's books and orders: every outcome (status and answer) is the same.

const PASSWORD = 'a long enough bookshop password';
type Json = Record<string, unknown>;
interface Outcome {
  status: number;
  body: unknown;
}
interface Who {
  name: string;
  actor: Actor;
  headers: Record<string, string>;
}

/** A JSON answer without what differs between two equal writes (keys, ISBNs, times). */
function normal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normal);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value as Json)) {
    if (['id', 'isbn', 'createdAt', 'updatedAt', 'requestId', 'instance'].includes(key)) continue;
    out[key] = normal(v);
  }
  return out;
}

/** What a call through the layer gives, as REST would put it on the wire. */
async function viaOps(call: () => Promise<unknown>, success: number): Promise<Outcome> {
  try {
    const result = await call();
    return { status: success, body: result === undefined ? null : JSON.parse(JSON.stringify(result)) };
  } catch (error) {
    if (!isBasaltError(error)) throw error;
    return { status: error.status, body: { code: error.code, detail: error.message } };
  }
}

describe('bookshop: REST and basalt/ops give every actor the same answers', () => {
  let client: TestClient<typeof bookshop.routes>;
  const who: Who[] = [];
  let seq = 0;

  const rest = async (method: string, url: string, headers: Record<string, string>, payload?: Json) => {
    const res = await client.request({
      method: method as 'GET',
      url,
      headers,
      ...(payload ? { payload: payload as never } : {}),
    });
    if (res.status >= 400) {
      const body = res.body as Json;
      return { status: res.status, body: { code: body.code, detail: body.detail } };
    }
    return { status: res.status, body: res.status === 204 ? null : res.body };
  };

  async function person(name: string, extra: Json, customer: boolean): Promise<Who> {
    const auth = getAuth(client.app);
    const db = client.db!;
    const user = (await auth.createUser(db, {
      email: `${name}@ops.test`,
      password: PASSWORD,
      ...extra,
    })) as AuthUser;
    if (customer)
      await db.create(Customer, { name, email: `${name}@ops.test`, userId: Number(user.id) } as never);
    const tokens = await auth.issueTokens(db, user);
    // What a job or a CLI command does: the user's row and their permissions, loaded on first need.
    const actor = userActor(user, () => auth.permissionsOf(db, user));
    return { name, actor, headers: { authorization: `Bearer ${tokens.access}` } };
  }

  beforeAll(async () => {
    client = await createTestClient(bookshop);
    const db = client.db!;
    await seed(client.app.db!, getAuth(client.app));
    who.push({ name: 'anonymous', actor: anonymous, headers: {} });
    who.push(await person('alice', {}, true));
    who.push(await person('bob', {}, true));
    const staff = await person('manager', { isStaff: true }, false);
    const group = await db.query(Group).where({ name: 'staff' }).first();
    const manager = await db.query(User).where({ email: 'manager@ops.test' }).first();
    await db.update(User, manager!.id as never, { groups: [group!.id] } as never);
    who.push(staff);
    who.push(await person('root', { isStaff: true, isSuperuser: true }, false));
    for (const name of ['alice', 'bob']) {
      const customer = await db
        .query(Customer)
        .where({ email: `${name}@ops.test` })
        .first();
      await db.create(Order, {
        customerId: customer!.id,
        total: name === 'alice' ? '12.50' : '30.00',
      } as never);
    }
  });
  afterAll(() => client?.close());

  const book = async (title?: string) => {
    seq += 1;
    const author = (await client.db!.query(Book).first())!.authorId;
    return client.db!.create(Book, {
      title: title ?? `Matrix ${seq}`,
      isbn: String(9_000_000_000 + seq),
      price: '10.00',
      authorId: author,
    } as never);
  };

  it('on books: list, get, create, update and delete', async () => {
    const ops = operations(client.db!);
    const rows: string[] = [];
    for (const { name, actor, headers } of who) {
      const query = 'search=Matrix&ordering=-price&pageSize=5&include=author';
      const params = { search: 'Matrix', ordering: '-price', pageSize: 5, include: 'author' };
      const listed = await rest('GET', `/api/books?${query}`, headers);
      const opsList = await viaOps(() => ops.list(actor, bookCollection, params), 200);
      const restResults = (listed.body as Json).results;
      expect(opsList.status, `${name} list`).toBe(listed.status);
      expect((opsList.body as Json).results, `${name} list`).toEqual(restResults);
      expect((opsList.body as Json).count, `${name} list`).toBe((listed.body as Json).count);

      const target = await book();
      const got = await rest('GET', `/api/books/${target.id}`, headers);
      expect(await viaOps(() => ops.get(actor, bookCollection, target.id), 200), `${name} get`).toEqual(got);

      seq += 2;
      const data = (isbn: number) => ({
        title: `New ${name}`,
        isbn: String(isbn),
        price: '7.50',
        authorId: target.authorId,
      });
      const created = await rest('POST', '/api/books', headers, data(8_000_000_000 + seq));
      const opsCreated = await viaOps(
        () => ops.create(actor, bookCollection, data(8_000_000_001 + seq)),
        201,
      );
      expect(normal(opsCreated), `${name} create`).toEqual(normal(created));

      const twin = `Twin ${seq}`;
      const [a, b] = [await book(twin), await book(twin)];
      const updated = await rest('PATCH', `/api/books/${a.id}`, headers, { price: '11.00' });
      const opsUpdated = await viaOps(() => ops.update(actor, bookCollection, b.id, { price: '11.00' }), 200);
      expect(normal(opsUpdated), `${name} update`).toEqual(normal(updated));

      const deleted = await rest('DELETE', `/api/books/${a.id}`, headers);
      const opsDeleted = await viaOps(() => ops.delete(actor, bookCollection, b.id), 204);
      expect(opsDeleted, `${name} delete`).toEqual(deleted);
      rows.push(`${name}: ${[listed, got, created, updated, deleted].map((o) => o.status).join(' ')}`);
    }
    // The matrix itself: reads are open, writes need the book permissions of the staff group.
    expect(rows).toEqual([
      'anonymous: 200 200 401 401 401',
      'alice: 200 200 403 403 403',
      'bob: 200 200 403 403 403',
      'manager: 200 200 201 200 204',
      'root: 200 200 201 200 204',
    ]);
  });

  it("on orders: each customer sees only their own, another customer's order is a 404 like a missing one", async () => {
    const ops = operations(client.db!);
    const orders = await client.db!.query(Order).orderBy('id').all();
    const rows: string[] = [];
    for (const { name, actor, headers } of who) {
      const listed = await rest('GET', '/api/orders?include=customer', headers);
      const opsList = await viaOps(() => ops.list(actor, orderCollection, { include: 'customer' }), 200);
      expect(opsList.status, `${name} list`).toBe(listed.status);
      if (listed.status === 200)
        expect((opsList.body as Json).results, `${name} list`).toEqual((listed.body as Json).results);
      else expect(opsList.body).toEqual(listed.body);
      const statuses = [listed.status];
      for (const id of [...orders.map((o) => o.id), 999_999]) {
        const got = await rest('GET', `/api/orders/${id}`, headers);
        expect(await viaOps(() => ops.get(actor, orderCollection, id), 200), `${name} get ${id}`).toEqual(
          got,
        );
        statuses.push(got.status);
      }
      const count = listed.status === 200 ? ((listed.body as Json).results as unknown[]).length : 0;
      rows.push(`${name}: ${count} listed, ${statuses.slice(1).join(' ')}`);
    }
    expect(rows).toEqual([
      'anonymous: 0 listed, 401 401 401',
      'alice: 1 listed, 200 404 404',
      'bob: 1 listed, 404 200 404',
      'manager: 2 listed, 200 200 404',
      'root: 2 listed, 200 200 404',
    ]);
  });
});
