import { defineApp } from 'basalt';
import { auth, defineOidcProvider, getAuth, type TokenPair } from 'basalt/auth';
import { createTestClient, type TestResponse } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaxProvider, startLaxProvider } from '../oidc/lax-provider.js';

const PASSWORD = 'correct horse battery staple';
const ORIGIN = 'http://localhost';

let lax: LaxProvider;
let client: Awaited<ReturnType<typeof createTestClient>>;
beforeAll(async () => {
  lax = await startLaxProvider();
  client = await createTestClient(
    defineApp({
      name: 'auth-kinds',
      modules: [
        auth({
          // Four sign-ins per endpoint would exceed the per-IP limit of the sign-in endpoints.
          rateLimits: { ip: false },
          oidc: {
            providers: [
              defineOidcProvider({ name: 'lax', issuer: lax.issuer, clientId: 'c', clientSecret: 's' }),
            ],
          },
        }),
      ],
      routes: [],
    }),
  );
});
afterAll(async () => {
  await client.close();
  await lax.close();
});

const setCookie = (res: TestResponse, name: string) =>
  ([] as string[])
    .concat((res.headers['set-cookie'] as string | string[] | undefined) ?? [])
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];

/** Fresh credentials of each kind for a new user (a request may revoke what it was given). */
async function credentials(kind: 'none' | 'bearer' | 'session' | 'both'): Promise<Record<string, string>> {
  const email = `u${Math.random().toString(36).slice(2)}@example.test`;
  await getAuth(client.app).createUser(client.db!, { email, password: PASSWORD });
  const headers: Record<string, string> = { origin: ORIGIN };
  if (kind === 'bearer' || kind === 'both') {
    const token = await client.request({
      method: 'POST',
      url: '/auth/token',
      payload: { email, password: PASSWORD },
    });
    if (token.status !== 200) throw new Error(`POST /auth/token answered ${token.status}`);
    headers.authorization = `Bearer ${(token.body as TokenPair).access}`;
  }
  if (kind === 'session' || kind === 'both') {
    const login = await client.request({
      method: 'POST',
      url: '/auth/session/login',
      payload: { email, password: PASSWORD },
      headers: { origin: ORIGIN },
    });
    if (login.status !== 204) throw new Error(`POST /auth/session/login answered ${login.status}`);
    headers.cookie = setCookie(login, 'basalt_session')!;
    headers['x-csrf-token'] = String(login.headers['x-csrf-token']);
  }
  return headers;
}

const KINDS = ['none', 'bearer', 'session', 'both'] as const;

describe('every auth endpoint with every kind of authentication', () => {
  it('answers below 500, with problem+json for every error', async () => {
    const endpoints = client.app.routes.filter((r) => r.path.startsWith('/auth'));
    expect(endpoints.length).toBeGreaterThanOrEqual(12);
    const failures: string[] = [];
    for (const endpoint of endpoints) {
      for (const kind of KINDS) {
        const url = endpoint.path.replace(':provider', 'lax');
        const res = await client.request({
          method: endpoint.method,
          url,
          headers: await credentials(kind),
          ...(endpoint.method === 'GET' || endpoint.method === 'DELETE' ? {} : { payload: {} }),
        });
        if (res.status >= 500)
          failures.push(`${endpoint.method} ${url} (${kind}): ${res.status} ${res.text}`);
        if (res.status >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json'))
          failures.push(`${endpoint.method} ${url} (${kind}): ${res.status} not problem+json`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers a null CSRF token to a bearer request, and the session token to a session', async () => {
    for (const kind of KINDS) {
      const headers = await credentials(kind);
      const res = await client.request({ method: 'GET', url: '/auth/csrf', headers });
      expect(res.status, kind).toBe(200);
      expect((res.body as { csrfToken: string | null }).csrfToken, kind).toBe(
        kind === 'session' ? headers['x-csrf-token'] : null,
      );
    }
  });

  it('refuses session logout for a bearer request with a clear 400, and keeps the session', async () => {
    for (const kind of ['bearer', 'both'] as const) {
      const headers = await credentials(kind);
      const res = await client.request({ method: 'POST', url: '/auth/session/logout', headers, payload: {} });
      expect(res.status, kind).toBe(400);
      expect(res.body, kind).toMatchObject({ code: 'BASALT_AUTH_SESSION_REQUIRED' });
      if (kind === 'both') {
        const me = await client.request({
          method: 'GET',
          url: '/auth/me',
          headers: { cookie: headers.cookie! },
        });
        expect(me.status).toBe(200);
      }
    }
    const session = await credentials('session');
    const out = await client.request({
      method: 'POST',
      url: '/auth/session/logout',
      headers: session,
      payload: {},
    });
    expect(out.status).toBe(204);
  });
});
