import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getAuth } from 'basalt/auth';
import { createTestClient } from 'basalt/testing';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shop } from './shop.js';

// The usage of the generated client, type-checked with tsc, then run against the server.
// The @ts-expect-error lines prove the types are exact: each would compile with loose types.
const USAGE = `
import createClient from 'openapi-fetch';
import type { components, paths } from './shop-api.js';

export async function run(baseUrl: string, token: string) {
  const api = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${token}\` } });
  const author = await api.POST('/api/authors', { body: { name: 'Typed Author' } });
  if (!author.data) throw new Error(JSON.stringify(author.error));
  const authorId: number = author.data.id;
  const created = await api.POST('/api/books', {
    body: { title: 'Typed', isbn: '9999999999', price: '19.99', authorId },
  });
  if (!created.data) throw new Error(JSON.stringify(created.error));
  const id: number = created.data.id;
  const patched = await api.PATCH('/api/books/{id}', { params: { path: { id } }, body: { price: '17.50' } });
  const put = await api.PUT('/api/books/{id}', {
    params: { path: { id } },
    body: { title: 'Typed again', isbn: '9999999999', price: '18.00', authorId },
  });
  const list = await api.GET('/api/books', {
    params: { query: { 'price[lt]': '18.50', 'author[in]': [authorId], ordering: '-price', include: 'author', pageSize: 5 } },
  });
  const count: number | undefined = list.data?.count;
  const first = list.data?.results[0];
  const name: string | undefined = first?.author?.name;
  const one = await api.GET('/api/books/{id}', { params: { path: { id }, query: { fields: 'title' } } });
  const bad = await api.GET('/api/books', { params: { query: { ordering: 'cost' } } });
  const orders = await api.GET('/api/orders', {});
  const order = await api.POST('/api/orders', { body: { note: 'typed' } });
  const cancelled = order.data
    ? await api.POST('/api/orders/{id}/cancel', { params: { path: { id: order.data.id } } })
    : undefined;
  const removed = await api.DELETE('/api/books/{id}', { params: { path: { id } } });
  return {
    created: created.response.status,
    patched: patched.data?.price,
    put: put.data?.title,
    count,
    titles: list.data?.results.map((b) => b.title),
    name,
    one: one.data,
    bad: { status: bad.response.status, code: bad.error?.code },
    orders: orders.data?.results.length,
    cancelled: cancelled?.data?.status,
    removed: removed.response.status,
  };
}

export function typeErrors(api: ReturnType<typeof createClient<paths>>) {
  // @ts-expect-error an undeclared filter
  void api.GET('/api/books', { params: { query: { isbn: '1' } } });
  // @ts-expect-error a lookup the resource does not declare
  void api.GET('/api/books', { params: { query: { 'price[contains]': '1' } } });
  // @ts-expect-error pageSize is a number
  void api.GET('/api/books', { params: { query: { pageSize: 'ten' } } });
  // @ts-expect-error a create without its required fields
  void api.POST('/api/books', { body: { title: 'x' } });
  // @ts-expect-error id is read-only: not in the PATCH body
  const patch: components['schemas']['BookPatch'] = { id: 2 };
  // @ts-expect-error PUT requires what create requires
  void api.PUT('/api/books/{id}', { params: { path: { id: 1 } }, body: { price: '1.00' } });
  // @ts-expect-error orders only accept a note
  const order: components['schemas']['OrderCreate'] = { note: 'x', ownerId: 1 };
  // @ts-expect-error cursor pagination has no page number
  void api.GET('/api/orders', { params: { query: { page: 2 } } });
  // @ts-expect-error the object schema has no cost for everyone: it is optional
  const cost: string = ({} as components['schemas']['Book']).cost;
  return [patch, order, cost];
}
`;

describe('the OpenAPI document of resources', () => {
  let client: Awaited<ReturnType<typeof createTestClient<typeof shop.routes, undefined>>>;
  const dir = join(import.meta.dirname, '.basalt', `client-${process.pid}`);
  beforeAll(async () => {
    client = await createTestClient(shop);
    mkdirSync(dir, { recursive: true });
  });
  afterAll(async () => {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates a typed client that type-checks and works against the running server', async () => {
    const document = client.app.openapi();
    const types = astToString(await openapiTS(document as never));
    writeFileSync(join(dir, 'shop-api.d.ts'), types);
    const usage = join(dir, 'usage.ts');
    writeFileSync(usage, USAGE);
    const program = ts.createProgram([usage], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      types: [],
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const line =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);

    const staff = await getAuth(client.app).createUser(client.db!, {
      email: 'typed@example.com',
      password: 'correct horse battery staple',
      isStaff: true,
      isSuperuser: true,
    });
    const { access } = await getAuth(client.app).issueTokens(client.db!, staff);
    const { url } = await client.app.listen({ port: 0, host: '127.0.0.1' });
    const { run } = (await import(pathToFileURL(usage).href)) as {
      run: (u: string, t: string) => Promise<unknown>;
    };
    expect(await run(url, access)).toEqual({
      created: 201,
      patched: '17.50',
      put: 'Typed again',
      count: 1,
      titles: ['Typed again'],
      name: 'Typed Author',
      one: { id: expect.any(Number), title: 'Typed again' },
      bad: { status: 400, code: 'BASALT_VALIDATION_FAILED' },
      orders: 0,
      cancelled: 'cancelled',
      removed: 204,
    });
  });
  it('documents every parameter, body, response and security requirement exactly', () => {
    const document = client.app.openapi() as unknown as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, { required?: string[]; properties: Record<string, unknown> }> };
    };
    type Operation = {
      parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
      responses: Record<string, unknown>;
      security?: Record<string, string[]>[];
      requestBody?: unknown;
    };
    const books = document.paths['/api/books']!;
    const query = (op: Operation) => op.parameters!.filter((p) => p.in === 'query');
    expect(query(books.get!).map((p) => p.name)).toEqual([
      'price',
      'price[ne]',
      'price[lt]',
      'price[lte]',
      'price[gt]',
      'price[gte]',
      'author',
      'author[in]',
      'author[notIn]',
      'title',
      'title[contains]',
      'title[icontains]',
      'title[startsWith]',
      'title[endsWith]',
      'publishedOn[isNull]',
      'publishedOn[gte]',
      'inStock',
      'search',
      'ordering',
      'page',
      'cursor',
      'pageSize',
      'include',
      'fields',
    ]);
    const byName = Object.fromEntries(query(books.get!).map((p) => [p.name, p.schema]));
    expect(byName['author[in]']).toMatchObject({ type: 'array', items: { type: 'integer' } });
    expect(byName['publishedOn[gte]']).toMatchObject({ type: 'string', format: 'date' });
    expect(byName.ordering).toMatchObject({
      pattern: '^-?(price|title|publishedOn)(,-?(price|title|publishedOn))*$',
    });
    expect(byName.include).toMatchObject({ pattern: '^(author|tags)(,(author|tags))*$' });
    expect(byName.pageSize).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(query(document.paths['/api/orders']!.get!).map((p) => p.name)).toEqual([
      'status',
      'ordering',
      'cursor',
      'pageSize',
      'include',
      'fields',
    ]);
    const schemas = document.components.schemas;
    expect(schemas.BookCreate!.required?.sort()).toEqual(['authorId', 'isbn', 'price', 'title']);
    expect(schemas.BookUpdate!.required?.sort()).toEqual(['authorId', 'isbn', 'price', 'title']);
    expect(schemas.BookPatch!.required).toBeUndefined();
    expect(Object.keys(schemas.BookCreate!.properties).sort()).toEqual([
      'authorId',
      'cost',
      'inStock',
      'isbn',
      'price',
      'publishedOn',
      'tags',
      'title',
    ]);
    expect(Object.keys(schemas.BookPage!.properties)).toEqual([
      'count',
      'countIsEstimate',
      'next',
      'previous',
      'results',
    ]);
    expect(Object.keys(schemas.OrderPage!.properties)).toEqual(['next', 'previous', 'results']);
    expect(schemas.Book!.required).toEqual(['id']);
    // 401: a bearer token that is refused, even on a public list; 503: a service outage.
    expect(Object.keys(books.get!.responses)).toEqual(['200', '400', '401', '404', '500', '503']);
    expect(Object.keys(document.paths['/api/books/{id}']!.get!.responses)).toEqual([
      '200',
      '304',
      '400',
      '401',
      '404',
      '414',
      '500',
      '503',
    ]);
    expect(Object.keys(document.paths['/api/books/{id}']!.patch!.responses)).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '412',
      '413',
      '414',
      '415',
      '500',
      '503',
    ]);
    expect(Object.keys(document.paths['/api/orders/{id}']!.delete!.responses)).toEqual([
      '204',
      '400',
      '401',
      '403',
      '404',
      '409',
      '412',
      '413',
      '414',
      '415',
      '500',
      '503',
    ]);
    // Tags require If-Match on writes: a 428 is documented next to the 412.
    expect(Object.keys(document.paths['/api/tags/{id}']!.delete!.responses)).toContain('428');
    expect(document.paths['/api/tags/{id}']!.delete!.responses['428']).toMatchObject({
      description: 'Precondition required',
    });
    // Reading the catalogue needs no credentials (but reads them: field rules); writing does.
    expect(books.get!.security).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }, {}]);
    expect(books.post!.security).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }]);
    expect(document.paths['/api/orders/{id}/cancel']!.post!.security).toEqual([
      { bearerAuth: [] },
      { cookieAuth: [] },
    ]);
    expect(document.paths['/api/authors']!.get!.security).toBeUndefined();
  });
});
