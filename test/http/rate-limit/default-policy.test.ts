import { defineApp, get, t } from 'basalt';
import { createTestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ok = t.Object({ ok: t.Boolean() });
const app = defineApp({
  name: 'default-policy',
  rateLimit: { max: 2, window: '1h' },
  routes: [
    get('/a', { response: ok }, () => ({ ok: true })),
    get('/b', { response: ok }, () => ({ ok: true })),
    get('/own', { rateLimit: { max: 5, window: '1h' }, response: ok }, () => ({ ok: true })),
    get('/free', { rateLimit: false, response: ok }, () => ({ ok: true })),
  ],
});

describe("the app's default rate-limit policy", () => {
  let client: Awaited<ReturnType<typeof createTestClient<typeof app.routes, undefined>>>;
  beforeAll(async () => {
    client = await createTestClient(app);
  });
  afterAll(() => client.close());

  it('counts every endpoint it covers against one limit, and answers 429 with Retry-After past it', async () => {
    const first = await client.get('/a');
    expect(first.headers['ratelimit-limit']).toBe('2');
    expect(first.headers['ratelimit-remaining']).toBe('1');
    expect((await client.get('/b')).headers['ratelimit-remaining']).toBe('0');
    const refused = await client.get('/a');
    expect(refused.status).toBe(429);
    expect(refused.problem?.code).toBe('BASALT_HTTP_TOO_MANY_REQUESTS');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['ratelimit-limit']).toBe('2');
  });

  it("leaves an endpoint's own limit, rateLimit: false and the health checks out of it", async () => {
    const own = await client.get('/own');
    expect(own.status).toBe(200);
    expect(own.headers['ratelimit-limit']).toBe('5');
    const free = await client.get('/free');
    expect(free.status).toBe(200);
    expect(free.headers['ratelimit-limit']).toBeUndefined();
    const health = await client.request({ method: 'GET', url: '/health/live' });
    expect(health.status).toBe(200);
    expect(health.headers['ratelimit-limit']).toBeUndefined();
  });

  it('declares the headers and the 429 where it applies, and nowhere else', () => {
    const paths = client.app.openapi().paths as Record<
      string,
      { get: { responses: Record<string, { headers?: Record<string, unknown> }> } }
    >;
    expect(Object.keys(paths['/a']!.get.responses['200']!.headers ?? {})).toEqual([
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
    ]);
    expect(Object.keys(paths['/a']!.get.responses['429']!.headers ?? {})).toContain('Retry-After');
    expect(paths['/free']!.get.responses['200']!.headers).toBeUndefined();
    expect(paths['/free']!.get.responses).not.toHaveProperty('429');
  });
});
