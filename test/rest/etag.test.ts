import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, startShop } from './harness.js';
import { Book } from './shop.js';

describe.each(cases)('ETags and conditional requests on $name', ({ database }) => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let staff: { headers: Record<string, string> };
  beforeAll(async () => {
    shop = await startShop(database);
    staff = await shop.user({ isStaff: true });
  });
  afterAll(() => shop.client.close());

  it('sends an ETag on retrieve and answers 304 to a matching If-None-Match', async () => {
    const book = await shop.book();
    const first = await shop.call('GET', `/api/books/${book.id}`);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await shop.call('GET', `/api/books/${book.id}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(etag);
    const weak = await shop.call('GET', `/api/books/${book.id}`, {
      headers: { 'if-none-match': `"x", W/${etag}` },
    });
    expect(weak.status).toBe(304);
    await shop.client.db!.update(Book, book.id, { price: '99.00' });
    const changed = await shop.call('GET', `/api/books/${book.id}`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.body).toMatchObject({ price: '99.00' });
  });

  it('gives the same ETag on a write answer as on the next retrieve', async () => {
    const book = await shop.book();
    const patched = await shop.call('PATCH', `/api/books/${book.id}`, {
      headers: staff.headers,
      body: { price: '3.00' },
    });
    const read = await shop.call('GET', `/api/books/${book.id}`);
    expect(patched.headers.etag).toBe(read.headers.etag);
  });

  it('updates with a current If-Match and answers 412 with a stale one, writing nothing', async () => {
    const book = await shop.book({ price: '10.00' });
    const etag = String((await shop.call('GET', `/api/books/${book.id}`)).headers.etag);
    const ok = await shop.call('PATCH', `/api/books/${book.id}`, {
      headers: { ...staff.headers, 'if-match': etag },
      body: { price: '11.00' },
    });
    expect(ok.status).toBe(200);
    for (const method of ['PATCH', 'PUT', 'DELETE']) {
      const stale = await shop.call(method, `/api/books/${book.id}`, {
        headers: { ...staff.headers, 'if-match': etag },
        body:
          method === 'DELETE'
            ? undefined
            : { title: 'Lost update', isbn: book.isbn, price: '12.00', authorId: book.authorId },
      });
      expect(stale.status, method).toBe(412);
      expect(stale.body.code).toBe('BASALT_HTTP_PRECONDITION_FAILED');
    }
    const stored = await shop.client.db!.get(Book, book.id);
    expect([stored.title, stored.price]).toEqual([book.title, '11.00']);
    const current = String(ok.headers.etag);
    const del = await shop.call('DELETE', `/api/books/${book.id}`, {
      headers: { ...staff.headers, 'if-match': current },
    });
    expect(del.status).toBe(204);
  });

  it('lets one of two concurrent writes with the same If-Match through, and refuses the other', async () => {
    const book = await shop.book({ price: '10.00' });
    const etag = String((await shop.call('GET', `/api/books/${book.id}`)).headers.etag);
    const write = (title: string, price: string) =>
      shop.call('PATCH', `/api/books/${book.id}`, {
        headers: { ...staff.headers, 'if-match': etag },
        body: { title, price },
      });
    const answers = await Promise.all([write('Slow write', '20.00'), write('Fast write', '30.00')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
    const winner = answers.find((a) => a.status === 200)!;
    const stored = await shop.client.db!.get(Book, book.id);
    expect(stored).toMatchObject({ title: winner.body.title, price: winner.body.price });
  });

  it('accepts If-Match: * and writes without If-Match (it is optional)', async () => {
    const book = await shop.book();
    const star = await shop.call('PATCH', `/api/books/${book.id}`, {
      headers: { ...staff.headers, 'if-match': '*' },
      body: { price: '1.50' },
    });
    expect(star.status).toBe(200);
    const none = await shop.call('PATCH', `/api/books/${book.id}`, {
      headers: staff.headers,
      body: { price: '1.75' },
    });
    expect(none.status).toBe(200);
  });

  it('answers 428 to a write without If-Match where the resource requires it, writing nothing', async () => {
    const created = await shop.call('POST', '/api/tags', { headers: staff.headers, body: { name: 'ann' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = Number(created.body.id);
    const etag = String(created.headers.etag);
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const refused = await shop.call(method, `/api/tags/${id}`, {
        headers: staff.headers,
        ...(method === 'DELETE' ? {} : { body: { name: 'changed' } }),
      });
      expect(refused.status, method).toBe(428);
      expect(refused.headers['content-type']).toMatch(/problem\+json/);
      expect(refused.body).toMatchObject({ code: 'BASALT_HTTP_PRECONDITION_REQUIRED' });
    }
    expect((await shop.call('GET', `/api/tags/${id}`)).body).toMatchObject({ name: 'ann' });
    const patched = await shop.call('PATCH', `/api/tags/${id}`, {
      headers: { ...staff.headers, 'if-match': etag },
      body: { name: 'anna' },
    });
    expect(patched.status).toBe(200);
    const deleted = await shop.call('DELETE', `/api/tags/${id}`, {
      headers: { ...staff.headers, 'if-match': String(patched.headers.etag) },
    });
    expect(deleted.status).toBe(204);
    // Books keep If-Match optional.
    const book = await shop.book();
    const free = await shop.call('PATCH', `/api/books/${book.id}`, {
      headers: staff.headers,
      body: { price: '2.00' },
    });
    expect(free.status).toBe(200);
  });
});
