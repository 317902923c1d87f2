import { Writable } from 'node:stream';
import { BasaltError, defineApp, del, get, NotFoundError, post, put, t } from 'basalt';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const Book = t.Object({
  title: t.String({ minLength: 1, maxLength: 200 }),
  pages: t.Integer({ minimum: 1 }),
  tags: t.Optional(t.Array(t.String())),
});

const routes = [
  post('/books', { body: Book, response: t.Object({ title: t.String() }) }, ({ body }) => ({
    title: body.title,
  })),
  get(
    '/books/:id',
    { params: t.Object({ id: t.Integer({ minimum: 1 }) }), response: t.Object({ id: t.Integer() }) },
    ({ params }) => {
      if (params.id > 100) throw new NotFoundError(`Book ${params.id} does not exist`);
      return { id: params.id };
    },
  ),
  put('/books/:id', { params: t.Object({ id: t.Integer() }), body: Book }, () => undefined),
  del('/books/:id', {}, () => undefined),
  get('/boom', {}, () => {
    throw new Error('database password is hunter2');
  }),
  get('/teapot', { problems: [409] }, () => {
    throw new BasaltError('BASALT_HTTP_CONFLICT', 'Already brewing', { headers: { 'retry-after': '5' } });
  }),
  get('/hidden-error', {}, () => {
    throw new BasaltError('BASALT_INTERNAL_ERROR', 'secret internals');
  }),
] as const;

const app = defineApp({ name: 'errors', routes });

function problemOf(res: { status: number; headers: Record<string, unknown>; body: unknown }) {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.body as {
    status: number;
    code: string;
    detail: string;
    errors?: { pointer: string; detail: string }[];
    requestId: string;
    stack?: string;
    type: string;
    title: string;
  };
}

describe('error answers', () => {
  let client: TestClient<typeof routes>;
  const lines: string[] = [];
  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    client = await createTestClient(app, { env: { LOG_LEVEL: 'error' }, logger: { destination } });
  });
  afterAll(() => client.close());

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await client.request({
      method: 'POST',
      url: '/books',
      headers: { 'content-type': 'application/json' },
      payload: '{"title": "x",',
    });
    expect(res.status).toBe(400);
    expect(problemOf(res).code).toBe('BASALT_HTTP_MALFORMED_BODY');
  });

  it('answers an empty JSON body with 400', async () => {
    const res = await client.request({
      method: 'POST',
      url: '/books',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.status).toBe(400);
    expect(problemOf(res).code).toBe('BASALT_HTTP_MALFORMED_BODY');
  });

  it('lists every invalid field with its JSON pointer', async () => {
    const res = await client.post('/books', { body: { title: '', pages: 'many', tags: [1] } as never });
    expect(res.status).toBe(400);
    const problem = problemOf(res);
    expect(problem.code).toBe('BASALT_VALIDATION_FAILED');
    const pointers = problem.errors!.map((e) => e.pointer).sort();
    expect(pointers).toEqual(['/body/pages', '/body/tags/0', '/body/title']);
  });

  it('does not coerce body types: a number is not a string', async () => {
    const res = await client.post('/books', { body: { title: 5, pages: '3' } as never });
    expect(res.status).toBe(400);
    expect(
      problemOf(res)
        .errors!.map((e) => e.pointer)
        .sort(),
    ).toEqual(['/body/pages', '/body/title']);
  });

  it('names missing fields', async () => {
    const res = await client.post('/books', { body: {} as never });
    expect(res.status).toBe(400);
    const errors = problemOf(res).errors!;
    expect(errors).toContainEqual(expect.objectContaining({ pointer: '/body/title', detail: 'is required' }));
    expect(errors).toContainEqual(expect.objectContaining({ pointer: '/body/pages', detail: 'is required' }));
  });

  it('refuses extra fields, naming them', async () => {
    const res = await client.post('/books', { body: { title: 'Dune', pages: 412, isAdmin: true } as never });
    expect(res.status).toBe(400);
    expect(problemOf(res).errors).toEqual([
      expect.objectContaining({ pointer: '/body/isAdmin', detail: 'is not an allowed field' }),
    ]);
  });

  it('validates and coerces path parameters', async () => {
    const bad = await client.request({ method: 'GET', url: '/books/abc' });
    expect(bad.status).toBe(400);
    expect(problemOf(bad).errors![0]!.pointer).toBe('/params/id');
    const ok = await client.get('/books/:id', { params: { id: 42 } });
    expect(ok.body).toEqual({ id: 42 });
  });

  it('answers a 12 MiB body with 413 without reading it all into an error', async () => {
    const payload = JSON.stringify({ title: 'x'.repeat(12 * 1024 * 1024), pages: 1 });
    const res = await client.request({
      method: 'POST',
      url: '/books',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.status).toBe(413);
    expect(problemOf(res).code).toBe('BASALT_HTTP_PAYLOAD_TOO_LARGE');
  });

  it('answers a wrong content type with 415', async () => {
    const text = await client.request({
      method: 'POST',
      url: '/books',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.status).toBe(415);
    expect(problemOf(text).code).toBe('BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE');
    const xml = await client.request({
      method: 'POST',
      url: '/books',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(xml.status).toBe(415);
  });

  it('answers an unknown route with 404', async () => {
    const res = await client.request({ method: 'GET', url: '/nope?x=1' });
    expect(res.status).toBe(404);
    const problem = problemOf(res);
    expect(problem.code).toBe('BASALT_HTTP_NOT_FOUND');
    expect(problem.detail).toBe('No route matches GET /nope');
  });

  it('answers a known path with a wrong method with 405 and Allow', async () => {
    const res = await client.request({ method: 'PATCH', url: '/books/1' });
    expect(res.status).toBe(405);
    expect(problemOf(res).code).toBe('BASALT_HTTP_METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('GET, PUT, DELETE, HEAD');
    const post = await client.request({ method: 'DELETE', url: '/books' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('POST');
  });

  it('maps a thrown NotFoundError to 404 with its message', async () => {
    const res = await client.get('/books/:id', { params: { id: 101 } });
    expect(res.status).toBe(404);
    expect(problemOf(res).detail).toBe('Book 101 does not exist');
  });

  it('passes a BasaltError status, code and headers through', async () => {
    const res = await client.request({ method: 'GET', url: '/teapot' });
    expect(res.status).toBe(409);
    expect(problemOf(res).code).toBe('BASALT_HTTP_CONFLICT');
    expect(res.headers['retry-after']).toBe('5');
  });

  it('hides an unexpected error behind a 500 with the request id, and logs its stack', async () => {
    const res = await client.request({
      method: 'GET',
      url: '/boom',
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(res.status).toBe(500);
    const problem = problemOf(res);
    expect(problem.code).toBe('BASALT_INTERNAL_ERROR');
    expect(problem.requestId).toBe('trace-123');
    expect(res.text).not.toContain('hunter2');
    expect(problem.stack).toBeUndefined();
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.requestId === 'trace-123');
    expect(logged.level).toBe(50);
    expect(logged.err.stack).toContain('database password is hunter2');
  });

  it('does not expose the message of a 5xx BasaltError', async () => {
    const res = await client.request({ method: 'GET', url: '/hidden-error' });
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('secret internals');
  });
});

describe('error answers in development', () => {
  it('includes the message and stack of an unexpected error', async () => {
    const client = await createTestClient(app, { env: { NODE_ENV: 'development', LOG_LEVEL: 'silent' } });
    const res = await client.request({ method: 'GET', url: '/boom' });
    expect(res.status).toBe(500);
    const problem = problemOf(res);
    expect(problem.detail).toBe('database password is hunter2');
    expect(problem.stack).toContain('Error: database password is hunter2');
    await client.close();
  });
});
