import SwaggerParser from '@apidevtools/swagger-parser';
import { defineApp, defineDependency, del, get, post, t } from 'basalt';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const Author = t.Object({ id: t.Integer(), name: t.String() }, { $id: 'Author' });
const Book = t.Object({ id: t.Integer(), title: t.String(), author: Author }, { $id: 'Book' });
const bearer = defineDependency({
  headers: t.Object({ authorization: t.Optional(t.String()) }),
  security: { name: 'bearerAuth', definition: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  resolve: ({ headers }) => headers.authorization ?? null,
});
const pagination = defineDependency({
  query: t.Object({ page: t.Integer({ minimum: 1, default: 1, description: 'Page number, from 1' }) }),
  resolve: ({ query }) => query.page,
});

const routes = [
  get(
    '/books',
    { tags: ['books'], summary: 'List books', use: { pagination }, response: t.Array(Book) },
    () => [],
  ),
  get(
    '/books/:id',
    {
      tags: ['books'],
      params: t.Object({ id: t.Integer() }),
      response: { 200: Book, 404: t.Object({ code: t.String() }) },
    },
    () => ({ id: 1, title: 'x', author: { id: 1, name: 'y' } }),
  ),
  post(
    '/books',
    {
      tags: ['books'],
      use: { bearer },
      body: t.Object({ title: t.String(), authorId: t.Integer() }),
      response: Book,
      operationId: 'createBook',
    },
    () => ({ id: 1, title: 'x', author: { id: 1, name: 'y' } }),
  ),
  del('/books/:id', { tags: ['books'], use: { bearer } }, () => undefined),
  get('/secret', { hidden: true }, () => ({})),
] as const;

describe('OpenAPI', () => {
  let client: TestClient<typeof routes>;
  beforeAll(async () => {
    client = await createTestClient(
      defineApp({ name: 'shop', info: { version: '2.1.0', description: 'A shop' }, routes }),
    );
  });
  afterAll(() => client.close());

  it('serves a document that a real OpenAPI validator accepts', async () => {
    const res = await client.request({ url: '/openapi.json' });
    expect(res.status).toBe(200);
    const document = res.body as Record<string, unknown>;
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual({ title: 'shop', version: '2.1.0', description: 'A shop' });
  });

  it('puts shared schemas in components once and refers to them', () => {
    const document = client.app.openapi();
    expect(Object.keys(document.components.schemas).sort()).toEqual(['Author', 'Book', 'Problem']);
    expect(document.components.schemas.Book!.properties).toMatchObject({
      author: { $ref: '#/components/schemas/Author' },
    });
    const list = document.paths['/books']!.get!;
    expect(JSON.stringify(list)).toContain('#/components/schemas/Book');
  });

  it('documents parameters, including those of dependencies, and request bodies', () => {
    const document = client.app.openapi();
    expect(document.paths['/books']!.get!.parameters).toEqual([
      {
        name: 'page',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, default: 1, description: 'Page number, from 1' },
        description: 'Page number, from 1',
      },
    ]);
    expect(document.paths['/books/{id}']!.get!.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
    ]);
    const create = document.paths['/books']!.post!;
    expect(create.operationId).toBe('createBook');
    expect(create.requestBody).toMatchObject({
      required: true,
      content: {
        'application/json': { schema: { additionalProperties: false, required: ['title', 'authorId'] } },
      },
    });
  });

  it('documents success and error responses, and security from dependencies', () => {
    const document = client.app.openapi();
    const create = document.paths['/books']!.post! as {
      responses: Record<string, unknown>;
      security: unknown;
    };
    expect(Object.keys(create.responses)).toEqual(['201', '400', '401', '413', '415', '500', '503']);
    expect(create.security).toEqual([{ bearerAuth: [] }]);
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    const remove = document.paths['/books/{id}']!.delete! as {
      responses: Record<string, unknown>;
      operationId: string;
    };
    expect(Object.keys(remove.responses)).toEqual([
      '200',
      '204',
      '400',
      '401',
      '404',
      '413',
      '414',
      '415',
      '500',
      '503',
    ]);
    expect(remove.operationId).toBe('deleteBooksById');
    expect(document.tags).toEqual([{ name: 'books' }]);
  });

  it('leaves hidden endpoints and the health routes out', () => {
    const paths = Object.keys(client.app.openapi().paths);
    expect(paths).toEqual(['/books', '/books/{id}']);
  });

  it('serves the interactive docs page and its assets locally', async () => {
    const page = await client.request({ url: '/docs' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('<script src="/docs/swagger-ui-bundle.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const bundle = await client.request({ url: '/docs/swagger-ui-bundle.js' });
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100_000);
    const init = await client.request({ url: '/docs/init.js' });
    expect(init.text).toContain("url: '/openapi.json'");
    expect((await client.request({ url: '/docs/../../package.json' })).status).toBe(404);
    expect((await client.request({ url: '/docs/secret.js' })).status).toBe(404);
  });

  it('does not serve the docs in production unless asked', async () => {
    const env = {
      NODE_ENV: 'production',
      SECRET_KEY: 'k3J9xQ2vLmP8wR5tY7uZ1aB4cD6eF0gHiJ-_sN',
      LOG_LEVEL: 'silent',
    };
    const hidden = await createTestClient(defineApp({ routes }), { env });
    expect((await hidden.request({ url: '/openapi.json' })).status).toBe(404);
    await hidden.close();
    const shown = await createTestClient(defineApp({ routes }), { env: { ...env, DOCS: 'true' } });
    expect((await shown.request({ url: '/openapi.json' })).status).toBe(200);
    await shown.close();
  });
});
