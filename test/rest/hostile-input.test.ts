import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, startShop } from './harness.js';

// Values past what a column holds must be refused by the schema (400), not by the
// database (which would be a 500): PostgreSQL has no year 0, no NUL in text, int4 keys.
describe.each(cases)('input past what the database holds on $name', ({ database }) => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let staff: { headers: Record<string, string> };
  beforeAll(async () => {
    shop = await startShop(database);
    staff = await shop.user({ isStaff: true });
  });
  afterAll(() => shop.client.close());

  it('refuses out-of-range keys, NUL bytes, year 0 and bad cursors in URLs with a 400', async () => {
    const refused: [string, string][] = [
      ['/api/books/99999999999999999999', '/params/id'],
      ['/api/books/2147483648', '/params/id'],
      ['/api/books?author=2147483648', '/query/author'],
      ['/api/books?author[in]=99999999999999999999', '/query/author[in]/0'],
      ['/api/books?publishedOn[gte]=0000-01-01', '/query/publishedOn[gte]'],
      ['/api/books?publishedOn[gte]=2024-02-30', '/query/publishedOn[gte]'],
      ['/api/books?title=%00', '/query/title'],
      ['/api/books?title[contains]=a%00', '/query/title[contains]'],
      ['/api/books?search=%00abc', '/query/search'],
      ['/api/books?page=99999999999999999999', '/query/page'],
      ['/api/authors?cursor=zzz', '/query/cursor'],
    ];
    for (const [url, pointer] of refused) {
      const res = await shop.call('GET', url);
      expect(res.status, url).toBe(400);
      expect(
        (res.body.errors as { pointer: string }[]).map((e) => e.pointer),
        url,
      ).toContain(pointer);
    }
    expect((await shop.call('GET', '/api/books/-1')).status).toBe(404);
    for (const cursor of ['n.WzEsMl0', 'n.WyJ4Il0', 'n.W3t9XQ', 'n.bm90LWpzb24'])
      expect((await shop.call('GET', `/api/authors?cursor=${cursor}`)).status, cursor).toBe(400);
  });

  it('refuses the same in bodies, naming the field, and writes nothing', async () => {
    const book = await shop.book();
    const refused: [Record<string, unknown>, string][] = [
      [{ authorId: 2147483648 }, '/body/authorId'],
      [{ authorId: 1e20 }, '/body/authorId'],
      [{ tags: [1e20] }, '/body/tags/0'],
      [{ title: 'a\u0000b' }, '/body/title'],
      [{ publishedOn: '0000-01-01' }, '/body/publishedOn'],
      [{ price: '99999999999999999999.99' }, '/body/price'],
    ];
    for (const [body, pointer] of refused) {
      const res = await shop.call('PATCH', `/api/books/${book.id}`, { headers: staff.headers, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((res.body.errors as { pointer: string }[]).map((e) => e.pointer)).toContain(pointer);
    }
    const missingTag = await shop.call('PATCH', `/api/books/${book.id}`, {
      headers: staff.headers,
      body: { tags: [999999] },
    });
    expect(missingTag.status).toBe(400);
    const after = await shop.call('GET', `/api/books/${book.id}`);
    expect(after.body).toMatchObject({ title: book.title, price: book.price, authorId: book.authorId });
  });
});
