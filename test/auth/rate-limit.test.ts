import { randomUUID } from 'node:crypto';
import { defineApp } from 'basalt';
import { auth, getAuth } from 'basalt/auth';
import { get, type RequestContext, t } from 'basalt/http';
import { createTestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, REDIS_URL } from '../support/redis.js';

const PASSWORD = 'a long and decent password';

const limited = get(
  '/limited',
  { rateLimit: { max: 3, window: '1m' }, response: t.Object({ ok: t.Boolean() }) },
  () => ({
    ok: true,
  }),
);
const other = get(
  '/other',
  { rateLimit: { max: 3, window: '1m' }, response: t.Object({ ok: t.Boolean() }) },
  () => ({
    ok: true,
  }),
);
const perUser = get(
  '/per-user',
  {
    auth: 'required',
    rateLimit: { max: 2, window: '1m', key: 'user' },
    response: t.Object({ ok: t.Boolean() }),
  },
  () => ({ ok: true }),
);
const perKey = get(
  '/per-key',
  {
    rateLimit: {
      max: 1,
      window: '1m',
      key: (ctx: RequestContext) => ctx.request.headers['x-api-key'] as string,
    },
    response: t.Object({ ok: t.Boolean() }),
  },
  () => ({ ok: true }),
);

const app = defineApp({
  name: 'limits',
  modules: [auth({ rateLimits: { ip: { max: 6, window: '1m' }, account: { max: 3, window: '15m' } } })],
  routes: [limited, other, perUser, perKey],
});

describe('rate limits (memory store)', () => {
  let client: Awaited<ReturnType<typeof createTestClient<typeof app.routes, undefined>>>;
  beforeAll(async () => {
    client = await createTestClient(app);
  });
  afterAll(() => client.close());
  const login = (email: string, password: string, ip = '127.0.0.1') =>
    client.request({ method: 'POST', url: '/auth/token', payload: { email, password }, remoteAddress: ip });

  it('answers 429 with Retry-After past the limit, counted per endpoint', async () => {
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await client.request({ method: 'GET', url: '/limited' }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[0]!.headers['ratelimit-limit']).toBe('3');
    expect(answers[2]!.headers['ratelimit-remaining']).toBe('0');
    const refused = answers[3]!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.body).toMatchObject({ code: 'BASALT_HTTP_TOO_MANY_REQUESTS', status: 429 });
    // Another client address and another endpoint have their own counts.
    expect((await client.request({ method: 'GET', url: '/limited', remoteAddress: '10.0.0.9' })).status).toBe(
      200,
    );
    expect((await client.request({ method: 'GET', url: '/other' })).status).toBe(200);
  });

  it("counts per user with key 'user', and per a key of one's own", async () => {
    const s = getAuth(client.app);
    const tokens: string[] = [];
    for (const email of ['u1@example.com', 'u2@example.com']) {
      await s.createUser(client.db!, { email, password: PASSWORD });
      tokens.push(
        (await s.issueTokens(client.db!, (await s.authenticate(client.db!, email, PASSWORD))!)).access,
      );
    }
    const call = (token: string) =>
      client.request({ method: 'GET', url: '/per-user', headers: { authorization: `Bearer ${token}` } });
    expect([
      (await call(tokens[0]!)).status,
      (await call(tokens[0]!)).status,
      (await call(tokens[0]!)).status,
    ]).toEqual([200, 200, 429]);
    expect((await call(tokens[1]!)).status).toBe(200);

    const key = (k: string) =>
      client.request({ method: 'GET', url: '/per-key', headers: { 'x-api-key': k } });
    expect([(await key('a')).status, (await key('a')).status, (await key('b')).status]).toEqual([
      200, 429, 200,
    ]);
  });

  it('locks an account after too many sign-in attempts, whatever the address, and not its neighbours', async () => {
    const s = getAuth(client.app);
    await s.createUser(client.db!, { email: 'target@example.com', password: PASSWORD });
    await s.createUser(client.db!, { email: 'bystander@example.com', password: PASSWORD });
    const statuses = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push((await login('target@example.com', 'guess', `10.1.0.${i}`)).status);
    expect(statuses).toEqual([401, 401, 401]);
    // Even the right password is refused now: the attacker cannot learn it from this endpoint.
    const locked = await login('TARGET@example.com', PASSWORD, '10.1.0.99');
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
    expect((await login('bystander@example.com', PASSWORD, '10.1.0.98')).status).toBe(200);
    // The session login counts in the same account bucket.
    const viaSession = await client.request({
      method: 'POST',
      url: '/auth/session/login',
      payload: { email: 'target@example.com', password: PASSWORD },
      remoteAddress: '10.1.0.97',
    });
    expect(viaSession.status).toBe(429);
  });

  it('limits one address across accounts', async () => {
    const statuses = [];
    for (let i = 0; i < 7; i += 1)
      statuses.push((await login(`nobody${i}@example.com`, 'guess', '10.2.0.1')).status);
    expect(statuses.slice(0, 6).every((s) => s === 401)).toBe(true);
    expect(statuses[6]).toBe(429);
  });

  it('limits password-reset requests per account', async () => {
    const reset = (ip: string) =>
      client.request({
        method: 'POST',
        url: '/auth/password/reset',
        payload: { email: 'flood@example.com' },
        remoteAddress: ip,
      });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await reset(`10.3.0.${i}`)).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
  });

  it('documents the 429 in OpenAPI', () => {
    const doc = client.app.openapi() as unknown as {
      paths: Record<string, Record<string, { responses: object }>>;
    };
    expect(doc.paths['/limited']!.get!.responses).toHaveProperty('429');
    expect(doc.paths['/auth/token']!.post!.responses).toHaveProperty('429');
  });
});

describe('rate limits in Redis', () => {
  it.skipIf(!hasRedis)('share one counter between two app instances', async () => {
    // Each instance has its own Redis connection, as two worker processes would.
    const prefixApp = defineApp({
      name: `limits-${randomUUID().slice(0, 8)}`,
      routes: [
        get(`/shared-${randomUUID().slice(0, 8)}`, { rateLimit: { max: 4, window: '1m' } }, () => ({})),
      ],
    });
    const url = prefixApp.routes[0]!.path;
    const a = await createTestClient(prefixApp, { env: { REDIS_URL } });
    const b = await createTestClient(prefixApp, { env: { REDIS_URL } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i += 1) {
        statuses.push((await a.request({ method: 'GET', url })).status);
        statuses.push((await b.request({ method: 'GET', url })).status);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(4);
      expect(statuses.slice(4)).toEqual([429, 429]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('lets requests through (and logs) when Redis is unreachable', async () => {
    const down = defineApp({
      name: 'down',
      routes: [get('/x', { rateLimit: { max: 1, window: '1m' } }, () => ({}))],
    });
    // Requests let through uncounted carry no RateLimit-* headers, the one exception the
    // document states: this client does not check answers against it.
    const client = await createTestClient(down, {
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
      validateResponses: false,
    });
    try {
      const first = await client.request({ method: 'GET', url: '/x' });
      expect(first.status).toBe(200);
      expect(first.headers['ratelimit-limit']).toBeUndefined();
      expect((await client.request({ method: 'GET', url: '/x' })).status).toBe(200);
    } finally {
      await client.close();
    }
  });
});

describe('rate limit declarations', () => {
  it('refuses a malformed window at start-up', async () => {
    const bad = defineApp({
      name: 'bad',
      routes: [get('/x', { rateLimit: { max: 1, window: 'soon' } }, () => ({}))],
    });
    await expect(createTestClient(bad)).rejects.toThrow(/soon/);
  });
});
