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

  it('lists books with pagination and search', async () => {
    const first = await client.get('/api/books', { query: { pageSize: 2 } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 5, page: 1, pageSize: 2 });
    expect((first.body as { items: unknown[] }).items).toHaveLength(2);
    const search = await client.get('/api/books', { query: { search: 'le guin' } });
    expect((search.body as { total: number }).total).toBe(3);
  });

  it('gets one book and answers 404 for an unknown one', async () => {
    const book = await client.get('/api/books/:id', { params: { id: 4 } });
    expect(book.body).toMatchObject({ title: 'Dune', author: { name: 'Frank Herbert' } });
    const missing = await client.get('/api/books/:id', { params: { id: 99 } });
    expect(missing.status).toBe(404);
  });

  it('quotes a price in another currency and refuses an unknown one', async () => {
    const quote = await client.get('/api/books/:id/quote', { params: { id: 4 }, query: { currency: 'USD' } });
    expect(quote.body).toEqual({ bookId: 4, price: '16.19', currency: 'USD' });
    const bad = await client.request({ url: '/api/books/4/quote?currency=XXX' });
    expect(bad.status).toBe(400);
  });

  it('publishes a valid OpenAPI document', async () => {
    const document = (await client.request({ url: '/openapi.json' })).body;
    await expect(SwaggerParser.validate(document as never)).resolves.toBeTruthy();
  });
});
