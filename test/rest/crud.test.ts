import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, startShop } from './harness.js';
import { Book, hookLog, Tag } from './shop.js';

describe.each(cases)('resource actions on $name', ({ database }) => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let staff: { id: number; headers: Record<string, string> };
  let member: { id: number; headers: Record<string, string> };
  beforeAll(async () => {
    shop = await startShop(database);
    staff = await shop.user({ isStaff: true });
    member = await shop.user();
  });
  afterAll(() => shop.client.close());

  it('retrieves one object with its readable and computed fields only', async () => {
    const book = await shop.book({ price: '12.50', cost: '4.00' });
    const res = await shop.call('GET', `/api/books/${book.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: book.id, title: book.title, price: '12.50', priceWithTax: '15.00' });
    expect(res.body).not.toHaveProperty('cost');
    expect(res.body).not.toHaveProperty('tags');
    const missing = await shop.call('GET', '/api/books/999999');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('BASALT_DB_RECORD_NOT_FOUND');
  });

  it('lists with a page envelope: count, next and previous links', async () => {
    const res = await shop.call('GET', '/api/books?pageSize=1');
    expect(res.status).toBe(200);
    expect(res.body.count).toBeGreaterThanOrEqual(1);
    expect(res.body.previous).toBeNull();
    expect(res.body.results).toHaveLength(1);
    if ((res.body.count as number) > 1)
      expect(String(res.body.next)).toMatch(/^http:\/\/[^/]+\/api\/books\?pageSize=1&page=2$/);
  });

  it('creates with the create schema, runs hooks in the transaction and answers 201', async () => {
    const author = await shop.author();
    hookLog.length = 0;
    const res = await shop.call('POST', '/api/books', {
      headers: staff.headers,
      body: { title: '  Dune ', isbn: '9780441013593', price: '9.99', authorId: author.id, cost: '3.00' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: 'Dune',
      price: '9.99',
      authorId: author.id,
      inStock: true,
      cost: '3.00',
    });
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(res.headers.location).toBe(`/api/books/${res.body.id}`);
    expect(hookLog).toEqual(['beforeCreate   Dune ', `afterCreate ${res.body.id}`]);
    expect(
      await shop.client
        .db!.query(Tag)
        .where({ name: `created-${res.body.id}` })
        .count(),
    ).toBe(1);
  });

  it('rolls the whole write back when a hook fails after the insert', async () => {
    const author = await shop.author();
    const res = await shop.call('POST', '/api/books', {
      headers: staff.headers,
      body: { title: 'Fail after create', isbn: '1111111111', price: '1.00', authorId: author.id },
    });
    expect(res.status).toBe(500);
    expect(await shop.client.db!.query(Book).where({ isbn: '1111111111' }).count()).toBe(0);
    expect(
      await shop.client
        .db!.query(Tag)
        .where({ name: { startsWith: 'created-' } })
        .count(),
    ).toBe(hookLog.filter((l) => l.startsWith('afterCreate')).length - 1);
  });

  it('refuses a create missing required fields, naming each', async () => {
    const res = await shop.call('POST', '/api/books', { headers: staff.headers, body: { title: 'x' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BASALT_VALIDATION_FAILED');
    const pointers = (res.body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(['/body/authorId', '/body/isbn', '/body/price']);
  });

  it('refuses unknown and read-only body fields, naming them (no mass assignment)', async () => {
    const book = await shop.book();
    for (const field of ['id', 'createdAt', 'isAdmin', 'priceWithTax']) {
      const res = await shop.call('PATCH', `/api/books/${book.id}`, {
        headers: staff.headers,
        body: { [field]: 1 },
      });
      expect(res.status, field).toBe(400);
      expect(res.body.code).toBe('BASALT_VALIDATION_FAILED');
      expect(res.body.errors).toEqual([expect.objectContaining({ pointer: `/body/${field}` })]);
    }
    const orderAttempt = await shop.call('POST', '/api/orders', {
      headers: member.headers,
      body: { note: 'hi', ownerId: staff.id, status: 'cancelled' },
    });
    expect(orderAttempt.status).toBe(400);
    expect((orderAttempt.body.errors as { pointer: string }[]).map((e) => e.pointer).sort()).toEqual([
      '/body/ownerId',
      '/body/status',
    ]);
    expect((await shop.client.db!.get(Book, book.id)).title).toBe(book.title);
  });

  it('replaces with PUT (required fields required) and changes some fields with PATCH', async () => {
    const book = await shop.book({ price: '5.00' });
    const partial = await shop.call('PUT', `/api/books/${book.id}`, {
      headers: staff.headers,
      body: { title: 'Only a title' },
    });
    expect(partial.status).toBe(400);
    hookLog.length = 0;
    const put = await shop.call('PUT', `/api/books/${book.id}`, {
      headers: staff.headers,
      body: { title: 'Replaced', isbn: book.isbn, price: '6.00', authorId: book.authorId },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ title: 'Replaced', price: '6.00' });
    const patch = await shop.call('PATCH', `/api/books/${book.id}`, {
      headers: staff.headers,
      body: { price: '7.00' },
    });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ title: 'Replaced', price: '7.00' });
    expect(hookLog).toEqual([
      `beforeUpdate ${book.id} title,isbn,price,authorId`,
      `afterUpdate ${book.id} 5.00->6.00`,
      `beforeUpdate ${book.id} price`,
      `afterUpdate ${book.id} 6.00->7.00`,
    ]);
  });

  it('deletes with 204 and then answers 404', async () => {
    const book = await shop.book();
    hookLog.length = 0;
    const res = await shop.call('DELETE', `/api/books/${book.id}`, { headers: staff.headers });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(hookLog).toEqual([`beforeDelete ${book.id}`, `afterDelete ${book.id}`]);
    expect((await shop.call('GET', `/api/books/${book.id}`)).status).toBe(404);
    expect((await shop.call('DELETE', `/api/books/${book.id}`, { headers: staff.headers })).status).toBe(404);
  });

  it('answers 409 for a unique conflict and for deleting a protected object', async () => {
    const book = await shop.book();
    const other = await shop.book();
    const res = await shop.call('PATCH', `/api/books/${other.id}`, {
      headers: staff.headers,
      body: { isbn: book.isbn },
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('BASALT_DB_UNIQUE_VIOLATION');
    expect(res.body.errors).toEqual([expect.objectContaining({ pointer: '/body/isbn' })]);
    const created = await shop.call('POST', '/api/books', {
      headers: staff.headers,
      body: { title: 'Copy', isbn: book.isbn, price: '1.00', authorId: book.authorId },
    });
    expect(created.status).toBe(409);
    const admin = await shop.user({ isStaff: true, isSuperuser: true });
    const author = await shop.call('DELETE', `/api/authors/${book.authorId}`, { headers: admin.headers });
    expect(author.status).toBe(409);
    expect(author.body.code).toBe('BASALT_DB_DELETE_PROTECTED');
  });

  it('answers 400, never 500, for values a client can send', async () => {
    const book = await shop.book();
    const answers = await Promise.all([
      shop.call('GET', '/api/books/abc'),
      shop.call('PATCH', `/api/books/${book.id}`, { headers: staff.headers, body: { price: 'free' } }),
      shop.call('PATCH', `/api/books/${book.id}`, { headers: staff.headers, body: { authorId: 99999999 } }),
      shop.call('PATCH', `/api/books/${book.id}`, {
        headers: staff.headers,
        body: { title: 'x'.repeat(201) },
      }),
      shop.call('PATCH', `/api/books/${book.id}`, { headers: staff.headers, body: { price: '-1.00' } }),
      shop.call('POST', '/api/books', { headers: staff.headers, body: [] }),
      shop.call('GET', '/api/books?page=0'),
      shop.call('GET', '/api/books?page=999'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 200, 400, 400, 404]);
    for (const answer of answers) expect(answer.headers['content-type']).toMatch(/json/);
  });

  it('declares only the chosen actions, with UUID keys, plain lists and fixed fields', async () => {
    const created = await shop.call('POST', '/api/coupons', { body: { code: 'SPRING' } });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBeUndefined();
    const id = String(created.body.id);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await shop.call('GET', `/api/coupons/${id}`)).body).toEqual({ id, code: 'SPRING', percent: 10 });
    expect((await shop.call('GET', '/api/coupons')).body).toEqual([{ id, code: 'SPRING', percent: 10 }]);
    const patch = await shop.call('PATCH', `/api/coupons/${id}`, { body: { percent: 50 } });
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe('GET, HEAD');
    expect((await shop.call('DELETE', `/api/coupons/${id}`)).status).toBe(405);
    expect((await shop.call('GET', '/api/coupons/not-a-uuid')).status).toBe(400);
    expect((await shop.call('GET', '/api/coupons/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await shop.call('GET', '/api/coupons?fields=code')).status).toBe(400);
    expect((await shop.call('GET', '/api/coupons?page=1')).status).toBe(400);
  });
});
