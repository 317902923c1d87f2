import { defineApp, defineDependency, del, get, post, respond, t } from 'basalt';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let resolved = 0;
const pagination = defineDependency({
  query: t.Object({
    page: t.Integer({ minimum: 1, default: 1, description: 'Page number' }),
    pageSize: t.Integer({ minimum: 1, maximum: 100, default: 20 }),
  }),
  resolve: ({ query }) => {
    resolved += 1;
    return { offset: (query.page - 1) * query.pageSize, limit: query.pageSize };
  },
});
const currentUser = defineDependency({
  headers: t.Object({ 'x-user': t.Optional(t.String()) }),
  security: { name: 'userHeader', definition: { type: 'apiKey', in: 'header', name: 'x-user' } },
  resolve: ({ headers }) => (headers['x-user'] ? { name: headers['x-user'] } : null),
});
const window = defineDependency({
  use: { page: pagination, user: currentUser },
  resolve: ({ page, user }) => ({ ...page, who: user?.name ?? 'anonymous' }),
});

const routes = [
  get(
    '/items',
    {
      use: { page: pagination, window },
      response: t.Object({ offset: t.Integer(), limit: t.Integer(), who: t.String() }),
    },
    ({ page, window }) => ({ offset: page.offset, limit: page.limit, who: window.who }),
  ),
  get(
    '/users/:id',
    { response: t.Object({ id: t.String(), name: t.String() }) },
    ({ params }) =>
      ({ id: params.id, name: 'Ada', password: 'secret', isAdmin: true }) as { id: string; name: string },
  ),
  post(
    '/items',
    {
      body: t.Object({ name: t.String() }),
      response: { 201: t.Object({ name: t.String() }), 202: t.Object({ queued: t.Boolean() }) },
    },
    ({ body }) =>
      body.name === 'later' ? respond(202, { queued: true }, { location: '/queue/1' }) : { name: body.name },
  ),
  del('/items/:id', {}, () => undefined),
  get(
    '/search',
    {
      query: t.Object({
        q: t.String({ minLength: 2 }),
        tags: t.Optional(t.Array(t.String())),
        exact: t.Boolean({ default: false }),
      }),
    },
    ({ query }) => ({ q: query.q, tags: query.tags ?? [], exact: query.exact }),
  ),
  get(
    '/headers',
    { headers: t.Object({ 'x-tenant': t.String({ pattern: '^[a-z]+$' }) }) },
    ({ headers }) => ({ tenant: headers['x-tenant'] }),
  ),
] as const;

describe('typed endpoints', () => {
  let client: TestClient<typeof routes>;
  beforeAll(async () => {
    client = await createTestClient(defineApp({ name: 'endpoints', routes }));
  });
  afterAll(() => client.close());

  it('serializes a response by its schema, so undeclared fields never leak', async () => {
    const res = await client.get('/users/:id', { params: { id: '7' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: '7', name: 'Ada' });
    expect(res.text).not.toContain('secret');
  });

  it('sends a POST result with 201 and respond() with its own status and headers', async () => {
    const created = await client.post('/items', { body: { name: 'pen' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'pen' });
    const queued = await client.post('/items', { body: { name: 'later' } });
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({ queued: true });
    expect(queued.headers.location).toBe('/queue/1');
  });

  it('answers 204 with no body when a handler returns nothing', async () => {
    const res = await client.delete('/items/:id', { params: { id: 3 } });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('coerces and defaults query parameters, including arrays', async () => {
    const res = await client.request({ method: 'GET', url: '/search?q=dune&tags=a&tags=b' });
    expect(res.body).toEqual({ q: 'dune', tags: ['a', 'b'], exact: false });
    const bad = await client.request({ method: 'GET', url: '/search?q=d&exact=maybe' });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { pointer: string }[] }).errors.map((e) => e.pointer).sort()).toEqual([
      '/query/exact',
      '/query/q',
    ]);
  });

  it('validates declared headers', async () => {
    expect(
      (await client.request({ method: 'GET', url: '/headers', headers: { 'x-tenant': 'acme' } })).body,
    ).toEqual({ tenant: 'acme' });
    const bad = await client.request({ method: 'GET', url: '/headers', headers: { 'x-tenant': 'ACME!' } });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe('/headers/x-tenant');
  });

  it('resolves dependencies, their query parameters, and runs a shared one once per request', async () => {
    resolved = 0;
    const res = await client.request({
      method: 'GET',
      url: '/items?page=3&pageSize=10',
      headers: { 'x-user': 'ada' },
    });
    expect(res.body).toEqual({ offset: 20, limit: 10, who: 'ada' });
    expect(resolved).toBe(1);
    const defaults = await client.request({ method: 'GET', url: '/items' });
    expect(defaults.body).toEqual({ offset: 0, limit: 20, who: 'anonymous' });
    const bad = await client.request({ method: 'GET', url: '/items?pageSize=1000' });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe('/query/pageSize');
  });

  it('answers with a request id, echoing a valid incoming one and replacing a hostile one', async () => {
    const echoed = await client.request({
      method: 'GET',
      url: '/items',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const hostile = await client.request({
      method: 'GET',
      url: '/items',
      headers: { 'x-request-id': 'a\u0000b<script>' },
    });
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    const next = await client.request({ method: 'GET', url: '/items' });
    expect(next.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    expect(next.headers['x-request-id']).not.toBe(hostile.headers['x-request-id']);
  });
});
