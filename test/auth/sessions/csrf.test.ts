import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionClient, ORIGIN, PASSWORD, type SessionClient, sessionHelpers } from './session-app.js';

const CSRF_FAILED = 'BASALT_AUTH_CSRF_FAILED';

describe('CSRF protection of session requests', () => {
  let client: SessionClient;
  beforeAll(async () => {
    client = await createSessionClient({
      env: { CSRF_TRUSTED_ORIGINS: 'https://app.example.com, https://*.example.org' },
    });
  });
  afterAll(() => client.close());
  const h = sessionHelpers(() => client);

  it('refuses an unsafe session request without a token with a 403 problem', async () => {
    const { cookie } = await h.signedIn();
    const res = await h.post('/notes', cookie, { origin: ORIGIN });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      code: CSRF_FAILED,
      status: 403,
      title: 'CSRF verification failed',
      detail: expect.stringContaining('CSRF token missing'),
    });
  });

  it('refuses a wrong token, and the token of another session', async () => {
    const { cookie } = await h.signedIn();
    const other = await h.signedIn();
    for (const token of ['nope', other.csrf]) {
      const res = await h.post('/notes', cookie, { origin: ORIGIN, 'x-csrf-token': token });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: CSRF_FAILED, detail: 'CSRF token incorrect' });
    }
  });

  it('lets the right token from the same origin through', async () => {
    const { user, cookie, csrf } = await h.signedIn();
    const res = await h.post('/notes', cookie, { origin: ORIGIN, 'x-csrf-token': csrf });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ by: `${user.email} via session` });
  });

  it('serves the token of the current session at GET /auth/csrf', async () => {
    const { cookie, csrf } = await h.signedIn();
    const res = await client.request({ method: 'GET', url: '/auth/csrf', headers: h.cookieHeader(cookie) });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ csrfToken: csrf });
  });

  it('refuses the right token from a foreign origin', async () => {
    const { cookie, csrf } = await h.signedIn();
    for (const origin of ['https://evil.example', 'http://localhost:8080', 'null', 'https://example.org']) {
      const res = await h.post('/notes', cookie, { origin, 'x-csrf-token': csrf });
      expect(res.status, origin).toBe(403);
      expect(res.body).toMatchObject({
        code: CSRF_FAILED,
        detail: expect.stringContaining('Origin checking failed'),
      });
    }
  });

  it('checks the Referer when there is no Origin', async () => {
    const { cookie, csrf } = await h.signedIn();
    const same = await h.post('/notes', cookie, { referer: `${ORIGIN}/basket?x=1`, 'x-csrf-token': csrf });
    expect(same.status).toBe(201);
    const foreign = await h.post('/notes', cookie, {
      referer: 'https://evil.example/',
      'x-csrf-token': csrf,
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({
      code: CSRF_FAILED,
      detail: expect.stringContaining('Referer checking'),
    });
  });

  it('lets trusted origins through, subdomain patterns included', async () => {
    const { cookie, csrf } = await h.signedIn();
    for (const origin of ['https://app.example.com', 'https://shop.example.org', 'https://a.b.example.org']) {
      const res = await h.post('/notes', cookie, { origin, 'x-csrf-token': csrf });
      expect(res.status, origin).toBe(201);
    }
    const http = await h.post('/notes', cookie, { origin: 'http://app.example.com', 'x-csrf-token': csrf });
    expect(http.status).toBe(403);
  });

  it('exempts bearer requests, even when the browser also sends the session cookie', async () => {
    const { user, cookie } = await h.signedIn();
    const token = await client.request({
      method: 'POST',
      url: '/auth/token',
      payload: { email: user.email, password: PASSWORD },
    });
    const access = (token.body as { access: string }).access;
    const res = await h.post('/notes', cookie, {
      authorization: `Bearer ${access}`,
      origin: 'https://evil.example',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ by: `${user.email} via bearer` });
  });

  it('leaves safe methods and cookie-less requests alone', async () => {
    const { cookie } = await h.signedIn();
    const me = await client.request({
      method: 'GET',
      url: '/auth/me',
      headers: { ...h.cookieHeader(cookie), origin: 'https://evil.example' },
    });
    expect(me.status).toBe(200);
    const anonymous = await h.post('/notes', undefined, { origin: 'https://evil.example' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: 'BASALT_HTTP_UNAUTHENTICATED' });
  });

  it('checks only the origin at login, as there is no session token yet', async () => {
    const user = await h.newUser();
    const foreign = await h.login(String(user.email), { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ code: CSRF_FAILED });
    // An existing (here: anonymous) session does not make login demand its token.
    const anonymous = await h.post('/cart', undefined, {}, { item: 'tea' });
    const planted = String(anonymous.headers['set-cookie']).split(';')[0]!.split('=')[1]!;
    const res = await h.login(String(user.email), { cookie: planted });
    expect(res.status).toBe(204);
  });

  it('protects anonymous sessions too', async () => {
    const anonymous = await h.post('/cart', undefined, {}, { item: 'tea' });
    const cookie = String(anonymous.headers['set-cookie']).split(';')[0]!.split('=')[1]!;
    const res = await h.post('/cart', cookie, { origin: ORIGIN }, { item: 'milk' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: CSRF_FAILED });
  });

  it('requires a token for session logout', async () => {
    const { cookie } = await h.signedIn();
    const res = await h.post('/auth/session/logout', cookie, { origin: ORIGIN });
    expect(res.status).toBe(403);
    expect((await h.me(cookie)).status).toBe(200);
  });
});

describe('CSRF origin checks behind a proxy', () => {
  let client: SessionClient;
  beforeAll(async () => {
    client = await createSessionClient({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => client.close());
  const h = sessionHelpers(() => client);

  it('compares with X-Forwarded-Host and X-Forwarded-Proto', async () => {
    const proxied = { 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' };
    const user = await h.newUser();
    const login = await h.login(String(user.email), {
      headers: { ...proxied, origin: 'https://api.example.com' },
    });
    expect(login.status).toBe(204);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!.split('=')[1]!;
    const csrf = String(login.headers['x-csrf-token']);
    const ok = await h.post('/notes', cookie, {
      ...proxied,
      origin: 'https://api.example.com',
      'x-csrf-token': csrf,
    });
    expect(ok.status).toBe(201);
    const local = await h.post('/notes', cookie, { ...proxied, origin: ORIGIN, 'x-csrf-token': csrf });
    expect(local.status).toBe(403);
    // Over HTTPS a request with neither Origin nor Referer is refused, as Django does.
    const bare = await h.post('/notes', cookie, { ...proxied, 'x-csrf-token': csrf });
    expect(bare.status).toBe(403);
    expect(bare.body).toMatchObject({ detail: expect.stringContaining('no Origin or Referer') });
  });
});

describe('CSRF_TRUSTED_ORIGINS', () => {
  it('refuses at start-up an entry that is not an origin', async () => {
    await expect(createSessionClient({ env: { CSRF_TRUSTED_ORIGINS: 'example.com' } })).rejects.toMatchObject(
      {
        code: 'BASALT_CONFIG_INVALID',
        message: expect.stringContaining('CSRF_TRUSTED_ORIGINS'),
      },
    );
  });
});
