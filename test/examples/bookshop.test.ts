import SwaggerParser from '@apidevtools/swagger-parser';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { seed } from '../../examples/bookshop/seed.js';

describe('bookshop', () => {
  let client: TestClient<typeof bookshop.routes>;
  beforeAll(async () => {
    // A fresh database with the schema built by the bookshop's own migrations.
    client = await createTestClient(bookshop);
    expect(await seed(client.app.db!)).toBe(5);
    expect(await seed(client.app.db!)).toBe(0);
  });
  afterAll(() => client.close());

  const get = (url: string) => client.request({ url });
  type Page = {
    count: number;
    next: string | null;
    previous: string | null;
    results: Record<string, unknown>[];
  };

  it('lists books with pagination, filters, search and ordering', async () => {
    const first = await get('/api/books?pageSize=2');
    expect(first.status).toBe(200);
    const page = first.body as Page;
    expect(page.count).toBe(5);
    expect(page.results).toHaveLength(2);
    expect(page.next).toContain('page=2');
    expect(page.previous).toBeNull();
    const second = (await get(page.next!.slice(page.next!.indexOf('/api/')))).body as Page;
    expect(second.results.map((b) => b.id)).not.toContain(page.results[0]!.id);

    const cheap = (await get('/api/books?price[lt]=12&ordering=-price')).body as Page;
    expect(cheap.results.map((b) => b.price)).toEqual(['11.00', '9.99']);
    const byAuthor = (await get('/api/books?author=1&include=author&ordering=title')).body as Page;
    expect(byAuthor.results.map((b) => b.title)).toEqual([
      'A Wizard of Earthsea',
      'The Dispossessed',
      'The Left Hand of Darkness',
    ]);
    expect(byAuthor.results[0]).toMatchObject({ author: { name: 'Ursula K. Le Guin' } });
    const found = (await get('/api/books?search=dune')).body as Page;
    expect(found.results.map((b) => b.title)).toEqual(['Dune']);
    const sparse = (await get('/api/books?fields=title,price&ordering=title&pageSize=1')).body as Page;
    expect(sparse.results[0]).toEqual({ id: 1, title: 'A Wizard of Earthsea', price: '9.99' });
  });

  it('refuses what the catalogue does not declare, naming the parameter', async () => {
    for (const url of [
      '/api/books?isbn[contains]=978',
      '/api/books?ordering=isbn',
      '/api/books?include=reviews',
    ]) {
      const res = await get(url);
      expect(res.status).toBe(400);
    }
    const literal = (await get(`/api/books?search=${encodeURIComponent("' or 1=1 --")}`)).body as Page;
    expect(literal.count).toBe(0);
  });

  it('gets one book with its author on request, and answers 404 for an unknown one', async () => {
    const book = await get('/api/books/4?include=author');
    expect(book.body).toMatchObject({ title: 'Dune', author: { name: 'Frank Herbert' } });
    expect(book.headers.etag).toMatch(/^"/);
    const again = await client.request({
      url: '/api/books/4?include=author',
      headers: { 'if-none-match': String(book.headers.etag) },
    });
    expect(again.status).toBe(304);
    expect((await get('/api/books/99')).status).toBe(404);
  });

  it('lists authors, tags and reviews to everyone', async () => {
    const authors = (await get('/api/authors?search=jemisin')).body as Page;
    expect(authors.results.map((a) => a.name)).toEqual(['N. K. Jemisin']);
    expect(((await get('/api/tags?ordering=name')).body as Page).results.map((t) => t.name)).toEqual([
      'fantasy',
      'science-fiction',
    ]);
    expect((await get('/api/reviews')).status).toBe(200);
  });

  it('quotes a price in another currency and refuses an unknown one', async () => {
    const quote = await get('/api/books/4/quote?currency=USD');
    expect(quote.body).toEqual({ bookId: 4, price: '16.19', currency: 'USD' });
    expect((await get('/api/books/4/quote?currency=XXX')).status).toBe(400);
    expect((await get('/api/books/99/quote')).status).toBe(404);
  });

  it('publishes a valid OpenAPI document', async () => {
    const document = (await client.request({ url: '/openapi.json' })).body;
    await expect(SwaggerParser.validate(document as never)).resolves.toBeTruthy();
  });
});
