import { MANY_TO_MANY_MAX_ITEMS, TEXT_MAX_LENGTH } from 'basalt/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, startShop } from './harness.js';

// The bounds the OpenAPI document declares are the ones enforced (issue 23): a free-text
// field has a framework maximum, refused past it with a 400 naming the field, never a 500.
describe.each(cases)('declared bounds are enforced on $name', ({ database }) => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let admin: { headers: Record<string, string> };
  beforeAll(async () => {
    shop = await startShop(database);
    admin = await shop.user({ isSuperuser: true, isStaff: true });
  });
  afterAll(() => shop.client.close());

  it('declares maxLength on a text field, and refuses a value one over it with a 400', async () => {
    const doc = (await shop.call('GET', '/openapi.json')).body as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    // bio is optional and nullable: the string branch carries the bound.
    expect(JSON.stringify(doc.components.schemas.AuthorCreate!.properties.bio)).toContain(
      `"maxLength":${TEXT_MAX_LENGTH}`,
    );

    const over = await shop.call('POST', '/api/authors', {
      headers: admin.headers,
      body: { name: 'Long', bio: 'x'.repeat(TEXT_MAX_LENGTH + 1) },
    });
    expect(over.status).toBe(400);
    expect((over.body.errors as { pointer: string }[]).map((e) => e.pointer)).toContain('/body/bio');

    const at = await shop.call('POST', '/api/authors', {
      headers: admin.headers,
      body: { name: 'Long enough', bio: 'x'.repeat(TEXT_MAX_LENGTH) },
    });
    expect(at.status).toBe(201);
  });

  it('refuses the same text past the maximum in the model layer', async () => {
    const { Author } = await import('./shop.js');
    await expect(
      shop.client.db!.create(Author, { name: 'Direct', bio: 'y'.repeat(TEXT_MAX_LENGTH + 1) } as never),
    ).rejects.toMatchObject({ code: 'BASALT_VALIDATION_FAILED' });
  });

  it('refuses more many-to-many ids than the declared maxItems with a 400', async () => {
    const book = await shop.book();
    const res = await shop.call('PATCH', `/api/books/${book.id}`, {
      headers: admin.headers,
      body: { tags: Array.from({ length: MANY_TO_MANY_MAX_ITEMS + 1 }, (_, i) => i + 1) },
    });
    expect(res.status).toBe(400);
    expect((res.body.errors as { pointer: string }[]).map((e) => e.pointer)).toContain('/body/tags');
  });

  it('refuses an If-None-Match header past its declared maximum with a 400', async () => {
    const book = await shop.book();
    const res = await shop.call('GET', `/api/books/${book.id}`, {
      headers: { 'if-none-match': `"${'a'.repeat(9000)}"` },
    });
    expect(res.status).toBe(400);
  });
});
