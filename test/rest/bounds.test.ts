import { MANY_TO_MANY_MAX_ITEMS, TEXT_MAX_LENGTH } from 'basalt/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCLUDE_MAX_ITEMS } from '../../src/ops/serialize.js';
import { cases, startShop } from './harness.js';
import { Book } from './shop.js';

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

  it('declares maxLength on ordering, include and fields, and refuses a value one over it', async () => {
    const doc = (await shop.call('GET', '/openapi.json')).body as {
      paths: Record<string, { get: { parameters: { name: string; schema: { maxLength?: number } }[] } }>;
    };
    const parameter = (name: string) =>
      doc.paths['/api/books']!.get.parameters.find((p) => p.name === name)!.schema;
    // Each allowed value once: '-price,-title,-publishedOn' is the longest useful ordering.
    expect(parameter('ordering').maxLength).toBe('-price,-title,-publishedOn'.length);
    expect(parameter('include').maxLength).toBe('author,tags'.length);
    const longest = '-price,-title,-publishedOn';
    expect((await shop.call('GET', `/api/books?ordering=${longest}`)).status).toBe(200);
    const over = await shop.call('GET', `/api/books?ordering=${longest},price`);
    expect(over.status).toBe(400);
    expect(JSON.stringify(over.body.errors)).toContain('ordering');
    expect((await shop.call('GET', '/api/books?include=author,tags,author')).status).toBe(400);
  });

  it('shows at most INCLUDE_MAX_ITEMS objects of an included to-many relation, as declared', async () => {
    const doc = (await shop.call('GET', '/openapi.json')).body as {
      components: { schemas: Record<string, { properties: Record<string, { maxItems?: number }> }> };
    };
    expect(doc.components.schemas.Author!.properties.books!.maxItems).toBe(INCLUDE_MAX_ITEMS);
    const author = await shop.author();
    await shop.client.db!.createMany(
      Book,
      Array.from({ length: INCLUDE_MAX_ITEMS + 1 }, (_, i) => ({
        title: `Many ${i}`,
        isbn: String(2000000000 + i),
        price: '1.00',
        authorId: author.id,
      })) as never,
    );
    const res = await shop.call('GET', `/api/authors/${author.id}?include=books`);
    expect(res.status).toBe(200);
    expect((res.body.books as unknown[]).length).toBe(INCLUDE_MAX_ITEMS);
  });
});
