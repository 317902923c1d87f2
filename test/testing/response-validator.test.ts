import { ConflictError, defineApp, get, post, respond, t } from 'basalt';
import { createTestClient, ResponseContractError } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Each endpoint here drifts from its declaration in one way the test client must catch.
const app = defineApp({
  name: 'drift',
  rateLimit: { max: 1000, window: '1m' },
  routes: [
    get('/ok', { response: t.Object({ name: t.String({ maxLength: 10 }) }) }, () => ({ name: 'fine' })),
    // fast-json-stringify does not check maxLength: the answer breaks the declared bound.
    get('/too-long', { response: t.Object({ name: t.String({ maxLength: 3 }) }) }, () => ({
      name: 'far too long',
    })),
    // A 409 the spec does not declare (no `problems: [409]`).
    post('/conflict', { response: t.Object({ ok: t.Boolean() }) }, () => {
      throw new ConflictError('Already there');
    }),
    // Declared as JSON, sent as text.
    get('/text', { response: t.Object({ ok: t.Boolean() }) }, ({ reply }) => {
      reply.type('text/plain');
      return respond(200, 'not json' as never);
    }),
    // A declared status that has no body.
    get('/declared', { response: { 200: t.Object({ ok: t.Boolean() }), 202: t.Null() } }, () =>
      respond(202, null),
    ),
    // Under the default policy, but its RateLimit-Limit header is taken off.
    get('/no-limit-header', { response: t.Object({ ok: t.Boolean() }) }, ({ reply }) => {
      reply.removeHeader('ratelimit-limit');
      return { ok: true };
    }),
    get('/unlimited', { rateLimit: false, response: t.Object({ ok: t.Boolean() }) }, () => ({ ok: true })),
  ],
});

describe('the test client checks answers against the OpenAPI document', () => {
  let client: Awaited<ReturnType<typeof createTestClient<typeof app.routes, undefined>>>;
  beforeAll(async () => {
    client = await createTestClient(app);
  });
  afterAll(() => client.close());

  it('lets an answer that matches its declaration through, RateLimit-* headers included', async () => {
    const res = await client.get('/ok');
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-limit']).toBe('1000');
  });

  it('fails a request whose body breaks its schema, naming the operation and the field', async () => {
    const error = await client.get('/too-long').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseContractError);
    expect((error as Error).message).toContain('GET /too-long answered 200 with a body its schema refuses');
    expect((error as Error).message).toContain('/name must NOT have more than 3 characters');
  });

  it('fails a request answered with a status its operation does not declare', async () => {
    await expect(client.post('/conflict')).rejects.toThrow(
      /POST \/conflict answered 409, which its OpenAPI operation does not declare \(declared: 201, 400, 413, 415, 429, 500, 503\)/,
    );
  });

  it('fails a request answered with a media type its operation does not declare', async () => {
    await expect(client.get('/text')).rejects.toThrow(
      /GET \/text answered 200 as text\/plain, but the document declares application\/json/,
    );
  });

  it('checks a declared status without a body, and the headers the document requires', async () => {
    expect((await client.get('/declared')).status).toBe(202);
    await expect(client.get('/no-limit-header')).rejects.toThrow(
      /GET \/no-limit-header answered 200 without the RateLimit-Limit header the document requires/,
    );
    // An endpoint out of the default policy declares no RateLimit-* header and sends none.
    const res = await client.get('/unlimited');
    expect(res.headers['ratelimit-limit']).toBeUndefined();
    const doc = client.app.openapi();
    expect(doc.paths['/unlimited']!.get!.responses).not.toHaveProperty('429');
  });

  it('skips the check for one request, or for a whole client', async () => {
    expect((await client.get('/too-long', { validateResponse: false })).body).toEqual({
      name: 'far too long',
    });
    expect(
      (await client.request({ method: 'POST', url: '/conflict' }, { validateResponse: false })).status,
    ).toBe(409);
    const lax = await createTestClient(app, { validateResponses: false });
    try {
      expect((await lax.post('/conflict')).status).toBe(409);
    } finally {
      await lax.close();
    }
  });

  it('does not check paths the document does not describe', async () => {
    expect((await client.request({ method: 'GET', url: '/health/live' })).status).toBe(200);
    expect((await client.request({ method: 'GET', url: '/nowhere' })).status).toBe(404);
  });
});

describe('/openapi.json', () => {
  it('is built once and served from the same bytes, with an ETag and 304s', async () => {
    const client = await createTestClient(app);
    try {
      // One document object for the app's life: every request serves its serialization.
      expect(client.app.openapi()).toBe(client.app.openapi());
      const first = await client.request({ method: 'GET', url: '/openapi.json' });
      const second = await client.request({ method: 'GET', url: '/openapi.json' });
      expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(second.text).toBe(first.text);
      expect(first.text).toBe(JSON.stringify(client.app.openapi()));
      const cached = await client.request({
        method: 'GET',
        url: '/openapi.json',
        headers: { 'if-none-match': String(first.headers.etag) },
      });
      expect(cached.status).toBe(304);
      expect(cached.text).toBe('');
    } finally {
      await client.close();
    }
  });
});
