import { defineApp } from 'basalt';
import { auth, getAuth } from 'basalt/auth';
import { get, post, respond, t } from 'basalt/http';
import { createTestClient, type TestClient, type TestResponse } from 'basalt/testing';

/** A small app signing users in with sessions: a protected write, a cart kept in the session. */
export const sessionApp = defineApp({
  name: 'shop',
  modules: [auth()],
  routes: [
    get('/public', { response: t.Object({ user: t.Union([t.String(), t.Null()]) }) }, ({ user }) => ({
      user: user ? String(user.email) : null,
    })),
    post(
      '/notes',
      { auth: 'required', response: { 201: t.Object({ by: t.String() }) } },
      ({ user, auth }) => ({
        by: `${String(user!.email)} via ${auth.method}`,
      }),
    ),
    post(
      '/cart',
      { body: t.Object({ item: t.String() }), response: { 204: t.Null() } },
      async ({ session, body }) => {
        await session.set('cart', [...(session.get<string[]>('cart') ?? []), body.item]);
        return respond(204, null);
      },
    ),
    get(
      '/cart',
      { response: t.Object({ cart: t.Array(t.String()), exists: t.Boolean() }) },
      ({ session }) => ({
        cart: session.get<string[]>('cart') ?? [],
        exists: session.exists,
      }),
    ),
  ],
});

export type SessionClient = TestClient<typeof sessionApp.routes>;
export const PASSWORD = 'correct horse battery staple';
export const COOKIE = 'basalt_session';
export const ORIGIN = 'http://localhost';

export { hasRedis, REDIS_URL } from '../../support/redis.js';

/** The `name=value` of the session cookie a response sets, with its attributes. */
export function sessionCookie(res: TestResponse): { value: string; line: string } | undefined {
  const header = res.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const line = lines.find((l) => l.startsWith(`${COOKIE}=`));
  if (!line) return undefined;
  return { value: line.slice(COOKIE.length + 1, line.indexOf(';')), line };
}

/** Helpers bound to one client. */
export function sessionHelpers(client: () => SessionClient) {
  let seq = 0;
  const cookieHeader = (value: string) => ({ cookie: `other=1; ${COOKIE}=${value}` });
  const helpers = {
    async newUser(extra: Record<string, unknown> = {}) {
      seq += 1;
      return getAuth(client().app).createUser(client().db!, {
        email: `shopper${seq}-${Math.random().toString(36).slice(2, 8)}@example.com`,
        password: PASSWORD,
        ...extra,
      });
    },
    async login(email: string, options: { cookie?: string; headers?: Record<string, string> } = {}) {
      return client().request({
        method: 'POST',
        url: '/auth/session/login',
        payload: { email, password: PASSWORD },
        headers: {
          origin: ORIGIN,
          ...(options.cookie ? cookieHeader(options.cookie) : {}),
          ...options.headers,
        },
      });
    },
    /** Signs a new user in; its cookie value and CSRF token. */
    async signedIn(extra: Record<string, unknown> = {}) {
      const user = await helpers.newUser(extra);
      const res = await helpers.login(String(user.email));
      if (res.status !== 204) throw new Error(`login answered ${res.status}: ${res.text}`);
      return { user, cookie: sessionCookie(res)!.value, csrf: String(res.headers['x-csrf-token']) };
    },
    me(cookie: string) {
      return client().request({ method: 'GET', url: '/auth/me', headers: cookieHeader(cookie) });
    },
    post(
      url: string,
      cookie: string | undefined,
      headers: Record<string, string> = {},
      payload: unknown = {},
    ) {
      return client().request({
        method: 'POST',
        url,
        payload: payload as Record<string, unknown>,
        headers: { ...(cookie ? cookieHeader(cookie) : {}), ...headers },
      });
    },
    cookieHeader,
  };
  return helpers;
}

export function createSessionClient(options: Parameters<typeof createTestClient>[1] = {}) {
  return createTestClient(sessionApp, options) as Promise<SessionClient>;
}
