import { createHash } from 'node:crypto';
import { getAuth } from 'basalt/auth';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../../support/postgres.js';
import {
  createSessionClient,
  hasRedis,
  ORIGIN,
  PASSWORD,
  REDIS_URL,
  type SessionClient,
  sessionCookie,
  sessionHelpers,
} from './session-app.js';

const cases = [
  { name: 'SQLite', database: {}, env: {} },
  ...(hasPostgres ? [{ name: 'PostgreSQL', database: { url: POSTGRES_URL }, env: {} }] : []),
  ...(hasRedis ? [{ name: 'Redis', database: {}, env: { REDIS_URL } }] : []),
];

const hashOf = (cookie: string) => createHash('sha256').update(cookie.split('.')[0]!).digest('hex');

describe.each(cases)('sessions stored in $name', ({ name, database, env }) => {
  let client: SessionClient;
  let redis: Redis | undefined;
  beforeAll(async () => {
    client = await createSessionClient({ database, env });
    if (name === 'Redis') redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await redis?.quit();
    await client.close();
  });
  afterEach(() => vi.useRealTimers());

  const h = sessionHelpers(() => client);
  /** Whether the store still holds the session of a cookie. */
  const stored = async (cookie: string) => {
    const hash = hashOf(cookie);
    if (redis) return (await redis.exists(`basalt:session:${hash}`)) === 1;
    const row = await client
      .db!.kysely.selectFrom('auth_session')
      .select('key')
      .where('key', '=', hash)
      .executeTakeFirst();
    return row !== undefined;
  };

  it('signs in with a signed HttpOnly SameSite=Lax cookie and authenticates GET /auth/me', async () => {
    const user = await h.newUser();
    const res = await h.login(String(user.email));
    expect(res.status).toBe(204);
    const cookie = sessionCookie(res)!;
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(cookie.line).toBe(
      `basalt_session=${cookie.value}; Max-Age=1209600; Path=/; HttpOnly; SameSite=Lax`,
    );
    expect(res.headers['x-csrf-token']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await h.me(cookie.value);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.id, email: user.email });
  });

  it('stores only the SHA-256 of the session id', async () => {
    const { cookie } = await h.signedIn();
    expect(await stored(cookie)).toBe(true);
    if (redis) {
      const raw = await redis.get(`basalt:session:${hashOf(cookie)}`);
      expect(raw).not.toContain(cookie.split('.')[0]);
      const ttl = await redis.ttl(`basalt:session:${hashOf(cookie)}`);
      expect(ttl).toBeGreaterThan(1_209_500);
    } else {
      const rows = await client.db!.kysely.selectFrom('auth_session').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(cookie.split('.')[0]);
    }
  });

  it('refuses wrong credentials with the 401 of the token endpoint', async () => {
    const user = await h.newUser();
    const res = await client.request({
      method: 'POST',
      url: '/auth/session/login',
      payload: { email: user.email, password: 'wrong password' },
      headers: { origin: ORIGIN },
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      code: 'BASALT_HTTP_UNAUTHENTICATED',
      detail: 'No active account with these credentials',
    });
    expect(sessionCookie(res)).toBeUndefined();
  });

  it('rotates the session id at login: a planted anonymous session is replaced, its data kept', async () => {
    const anonymous = await h.post('/cart', undefined, {}, { item: 'tea' });
    expect(anonymous.status).toBe(204);
    const planted = sessionCookie(anonymous)!.value;
    const user = await h.newUser();
    const res = await h.login(String(user.email), { cookie: planted });
    expect(res.status).toBe(204);
    const fresh = sessionCookie(res)!.value;
    expect(fresh).not.toBe(planted);
    expect(await stored(planted)).toBe(false);
    expect((await h.me(planted)).status).toBe(401);
    expect((await h.me(fresh)).status).toBe(200);
    const cart = await client.request({ method: 'GET', url: '/cart', headers: h.cookieHeader(fresh) });
    expect(cart.body).toEqual({ cart: ['tea'], exists: true });
  });

  it('rotates again when a signed-in user signs in once more (old cookie stops working)', async () => {
    const { user, cookie } = await h.signedIn();
    const again = await h.login(String(user.email), { cookie, headers: {} });
    const fresh = sessionCookie(again)!.value;
    expect(fresh).not.toBe(cookie);
    expect((await h.me(cookie)).status).toBe(401);
    expect((await h.me(fresh)).status).toBe(200);
  });

  it('treats a tampered cookie as anonymous and deletes it', async () => {
    const { cookie } = await h.signedIn();
    const last = cookie.at(-1) === 'A' ? 'B' : 'A';
    const tampered = `${cookie.slice(0, -1)}${last}`;
    const res = await h.me(tampered);
    expect(res.status).toBe(401);
    expect(sessionCookie(res)?.line).toContain('Max-Age=0');
    for (const junk of ['x', `${cookie.split('.')[0]}.`, '.', `${'a'.repeat(43)}.${'b'.repeat(43)}`]) {
      const pub = await client.request({ method: 'GET', url: '/public', headers: h.cookieHeader(junk) });
      expect(pub.status).toBe(200);
      expect(pub.body).toEqual({ user: null });
    }
  });

  it('refuses and deletes an expired session', async () => {
    const { cookie } = await h.signedIn();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 1_209_601_000);
    const res = await h.me(cookie);
    expect(res.status).toBe(401);
    expect(sessionCookie(res)?.line).toContain('Max-Age=0');
    expect(await stored(cookie)).toBe(false);
  });

  it('signs out: deletes the session and clears the cookie', async () => {
    const { cookie, csrf } = await h.signedIn();
    const res = await h.post('/auth/session/logout', cookie, { 'x-csrf-token': csrf, origin: ORIGIN });
    expect(res.status).toBe(204);
    expect(sessionCookie(res)!.line).toBe('basalt_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax');
    expect(await stored(cookie)).toBe(false);
    expect((await h.me(cookie)).status).toBe(401);
  });

  it('signs out everywhere: every session of the user ends, others stay', async () => {
    const { user, cookie, csrf } = await h.signedIn();
    const second = sessionCookie(await h.login(String(user.email)))!.value;
    const other = await h.signedIn();
    const res = await h.post(
      '/auth/logout',
      cookie,
      { 'x-csrf-token': csrf, origin: ORIGIN },
      { everywhere: true },
    );
    expect(res.status).toBe(204);
    expect((await h.me(cookie)).status).toBe(401);
    expect((await h.me(second)).status).toBe(401);
    expect((await h.me(other.cookie)).status).toBe(200);
  });

  it('ends the sessions of a user whose tokens are all revoked (password change, changepassword)', async () => {
    const { user, cookie } = await h.signedIn();
    await getAuth(client.app).revokeAllTokens(client.db!, user.id);
    expect(await stored(cookie)).toBe(false);
    expect((await h.me(cookie)).status).toBe(401);
  });

  it('does not authenticate the session of a deactivated user', async () => {
    const { user, cookie } = await h.signedIn();
    await client.db!.update(getAuth(client.app).userModel, user.id as never, { isActive: false } as never);
    expect((await h.me(cookie)).status).toBe(401);
    const pub = await client.request({ method: 'GET', url: '/public', headers: h.cookieHeader(cookie) });
    expect(pub.body).toEqual({ user: null });
  });

  it('keeps a request without a cookie anonymous and without a session', async () => {
    const res = await client.request({ method: 'GET', url: '/cart' });
    expect(res.body).toEqual({ cart: [], exists: false });
    expect(res.headers['set-cookie']).toBeUndefined();
    const csrf = await client.request({ method: 'GET', url: '/auth/csrf' });
    expect(csrf.body).toEqual({ csrfToken: null });
  });

  it('persists session data across requests and renews the cookie on each write', async () => {
    const first = await h.post('/cart', undefined, {}, { item: 'tea' });
    const cookie = sessionCookie(first)!.value;
    const token = (
      await client.request({ method: 'GET', url: '/auth/csrf', headers: h.cookieHeader(cookie) })
    ).body as { csrfToken: string };
    const second = await h.post(
      '/cart',
      cookie,
      { 'x-csrf-token': token.csrfToken, origin: ORIGIN },
      { item: 'milk' },
    );
    expect(second.status).toBe(204);
    expect(sessionCookie(second)!.value).toBe(cookie);
    const cart = await client.request({ method: 'GET', url: '/cart', headers: h.cookieHeader(cookie) });
    expect(cart.body).toEqual({ cart: ['tea', 'milk'], exists: true });
  });

  it('POST /auth/logout of a session ends it', async () => {
    const { cookie, csrf } = await h.signedIn();
    const out = await h.post('/auth/logout', cookie, { 'x-csrf-token': csrf, origin: ORIGIN });
    expect(out.status).toBe(204);
    expect(await stored(cookie)).toBe(false);
    expect((await h.me(cookie)).status).toBe(401);
  });

  it('a password change keeps this browser signed in on a new id and ends the other sessions', async () => {
    const { user, cookie, csrf } = await h.signedIn();
    const other = sessionCookie(await h.login(String(user.email)))!.value;
    const res = await h.post(
      '/auth/password/change',
      cookie,
      { 'x-csrf-token': csrf, origin: ORIGIN },
      { oldPassword: PASSWORD, newPassword: 'a changed and strong password' },
    );
    expect(res.status).toBe(204);
    const renewed = sessionCookie(res)!.value;
    expect(renewed).not.toBe(cookie);
    expect((await h.me(renewed)).status).toBe(200);
    expect((await h.me(cookie)).status).toBe(401);
    expect((await h.me(other)).status).toBe(401);
  });
});

describe('the session cookie in production', () => {
  let client: SessionClient;
  beforeAll(async () => {
    client = await createSessionClient({
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: 'a-production-secret-of-at-least-32-chars',
        DOCS: 'true',
      },
    });
  });
  afterAll(() => client.close());
  const h = sessionHelpers(() => client);
  const setCookies = (res: { headers: Record<string, unknown> }) => {
    const header = res.headers['set-cookie'];
    return header === undefined ? [] : Array.isArray(header) ? header.map(String) : [String(header)];
  };

  it('is named __Host-basalt_session: Secure, Path=/, no Domain', async () => {
    const user = await h.newUser();
    const res = await h.login(String(user.email));
    expect(res.status).toBe(204);
    const lines = setCookies(res);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^__Host-basalt_session=[^;]+; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
    expect(lines[0]).not.toMatch(/Domain=/i);
  });

  it('is read back under its __Host- name, and never under the plain one', async () => {
    const user = await h.newUser();
    const login = await h.login(String(user.email));
    const line = setCookies(login)[0]!;
    const value = line.slice('__Host-basalt_session='.length, line.indexOf(';'));
    const me = (cookie: string) => client.request({ method: 'GET', url: '/auth/me', headers: { cookie } });
    expect((await me(`__Host-basalt_session=${value}`)).status).toBe(200);
    // A cookie a subdomain or a plain-HTTP page could have planted is not a session here.
    expect((await me(`basalt_session=${value}`)).status).toBe(401);
  });

  it('documents the prefixed name in OpenAPI', async () => {
    const res = await client.request({ method: 'GET', url: '/openapi.json' });
    const doc = res.body as { components: { securitySchemes: Record<string, { name?: string }> } };
    expect(doc.components.securitySchemes.cookieAuth?.name).toBe('__Host-basalt_session');
  });
});

describe('the session cookie name', () => {
  it('keeps the plain name over plain HTTP and a configured prefix as it is', async () => {
    const { sessionCookieName } = await import('../../../src/auth/sessions/config.js');
    expect(sessionCookieName('basalt_session', false)).toBe('basalt_session');
    expect(sessionCookieName('basalt_session', true)).toBe('__Host-basalt_session');
    expect(sessionCookieName('__Host-sid', true)).toBe('__Host-sid');
    expect(sessionCookieName('__Secure-sid', true)).toBe('__Secure-sid');
    // A browser refuses a prefixed cookie without Secure: over plain HTTP the prefix goes.
    expect(sessionCookieName('__Host-sid', false)).toBe('sid');
  });
});

describe('the Redis session store', () => {
  it('stops start-up with an actionable error when Redis does not answer', async () => {
    await expect(
      createSessionClient({ env: { REDIS_URL: 'redis://:hunter2@127.0.0.1:1/0' } }),
    ).rejects.toMatchObject({
      code: 'BASALT_CONFIG_INVALID',
      message: expect.stringMatching(/^REDIS_URL: the session store cannot reach Redis at 127\.0\.0\.1:1 \(/),
    });
  });
});

describe('OpenAPI', () => {
  it('documents the session cookie as cookieAuth next to bearerAuth', async () => {
    const client = await createSessionClient();
    try {
      const res = await client.request({ method: 'GET', url: '/openapi.json' });
      const doc = res.body as {
        components: { securitySchemes: Record<string, unknown> };
        paths: Record<string, Record<string, { security?: unknown }>>;
      };
      expect(doc.components.securitySchemes.cookieAuth).toEqual({
        type: 'apiKey',
        in: 'cookie',
        name: 'basalt_session',
        description: expect.stringContaining('X-CSRF-Token'),
      });
      expect(doc.paths['/auth/me']!.get!.security).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }]);
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/auth/session/login', '/auth/session/logout', '/auth/csrf']),
      );
    } finally {
      await client.close();
    }
  });
});
