import { defineApp } from 'basalt';
import { auth, defineOidcProvider, getAuth, type TokenPair, User } from 'basalt/auth';
import { createTestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOidcProvider, startOidcProvider } from '../../support/oidc-provider.js';

// Requests are injected with Host localhost:80; the callback URL is derived from it.
const REDIRECTS = [
  'http://localhost:80/auth/oidc/local/callback',
  'http://localhost/auth/oidc/local/callback',
];

let op: RunningOidcProvider;
beforeAll(async () => {
  op = await startOidcProvider({
    clients: [{ client_id: 'basalt-app', client_secret: 'app-secret', redirect_uris: REDIRECTS }],
    accounts: {
      alice: { email: 'Alice@Example.test', email_verified: true, name: 'Alice' },
      mallory: { email: 'victim@example.test', email_verified: false },
      existing: { email: 'existing@example.test', email_verified: true },
      disabled: { email: 'disabled@example.test', email_verified: true },
    },
  });
});
afterAll(() => op.close());

const appFor = (result: 'session' | 'jwt') =>
  defineApp({
    name: `oidc-${result}`,
    modules: [
      auth({
        oidc: {
          providers: [
            defineOidcProvider({
              name: 'local',
              issuer: op.issuer,
              clientId: 'basalt-app',
              clientSecret: 'app-secret',
            }),
          ],
          result,
        },
      }),
    ],
    routes: [],
  });

type Client = Awaited<ReturnType<typeof createTestClient>>;

/** Runs the browser's part: our login endpoint, the provider, back to our callback. */
async function signIn(client: Client, account: string, next?: string) {
  const start = await client.request({
    method: 'GET',
    url: `/auth/oidc/local/login${next ? `?next=${encodeURIComponent(next)}` : ''}`,
  });
  expect(start.status).toBe(302);
  const stateCookie = String(start.headers['set-cookie']).split(';')[0]!;
  expect(String(start.headers['set-cookie'])).toContain('HttpOnly');
  const callback = await op.driveLogin(String(start.headers.location), account);
  expect(callback.pathname).toBe('/auth/oidc/local/callback');
  const done = await client.request({
    method: 'GET',
    url: callback.pathname + callback.search,
    headers: { cookie: stateCookie },
  });
  return { done, stateCookie, callback };
}

describe('"Sign in with ..." endpoints, ending in a session', () => {
  let client: Client;
  beforeAll(async () => {
    client = await createTestClient(appFor('session'));
  });
  afterAll(() => client.close());

  it('creates a user from a verified email, links the identity, signs in and redirects to next', async () => {
    const { done } = await signIn(client, 'alice', '/books?page=2');
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/books?page=2');
    const cookies = ([] as string[]).concat(done.headers['set-cookie'] as string[]);
    const session = cookies.find((c) => c.startsWith('basalt_session='))!.split(';')[0]!;
    const me = await client.request({ method: 'GET', url: '/auth/me', headers: { cookie: session } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'alice@example.test' });
    const user = await client.db!.query(User).where({ email: 'alice@example.test' }).first();
    expect(user?.password).toBe('');

    // The second time, the same account is found through the link: no duplicate user.
    const again = await signIn(client, 'alice', 'https://evil.example/steal');
    expect(again.done.status).toBe(303);
    expect(again.done.headers.location).toBe('/');
    expect(await client.db!.query(User).where({ email: 'alice@example.test' }).count()).toBe(1);
  });

  it('never signs a first login in to an existing account by email (linkByEmail defaults to never)', async () => {
    await getAuth(client.app).createUser(client.db!, {
      email: 'existing@example.test',
      password: 'an existing password',
    });
    const { done } = await signIn(client, 'existing');
    expect(done.status).toBe(409);
    expect(done.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_ACCOUNT_EXISTS' });
    expect(String(done.headers['set-cookie'])).not.toContain('basalt_session=');
    expect(await client.db!.query(User).where({ email: 'existing@example.test' }).count()).toBe(1);

    // An unverified email claiming someone's address creates and links nothing.
    await getAuth(client.app).createUser(client.db!, {
      email: 'victim@example.test',
      password: 'the victim password',
    });
    const attack = await signIn(client, 'mallory');
    expect(attack.done.status).toBe(403);
    expect(attack.done.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_EMAIL_UNVERIFIED' });
    expect(String(attack.done.headers['set-cookie'])).not.toContain('basalt_session=');
  });

  it('refuses a disabled account', async () => {
    await getAuth(client.app).createUser(client.db!, {
      email: 'disabled@example.test',
      password: '',
      isActive: false,
    });
    const { done } = await signIn(client, 'disabled');
    expect(done.status).toBe(409);
    expect(String(JSON.stringify(done.body))).toContain('BASALT_AUTH_OIDC_ACCOUNT_EXISTS');
  });

  it('refuses a callback without the login cookie, with a tampered one, or replayed', async () => {
    const { callback, stateCookie } = await signIn(client, 'alice');
    const url = callback.pathname + callback.search;
    const without = await client.request({ method: 'GET', url });
    expect(without.status).toBe(400);
    expect(without.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_STATE_MISMATCH' });
    const tampered = await client.request({ method: 'GET', url, headers: { cookie: `${stateCookie}x` } });
    expect(tampered.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_STATE_MISMATCH' });
    // The login state was taken by signIn's callback: a replay is refused before the provider is asked.
    const replay = await client.request({ method: 'GET', url, headers: { cookie: stateCookie } });
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_STATE_MISMATCH' });
  });

  it('answers 404 for an unknown provider and 400 for a denied login', async () => {
    expect((await client.request({ method: 'GET', url: '/auth/oidc/nope/login' })).status).toBe(404);
    const start = await client.request({ method: 'GET', url: '/auth/oidc/local/login' });
    const stateCookie = String(start.headers['set-cookie']).split(';')[0]!;
    const denied = await op.driveLogin(String(start.headers.location), 'alice', { deny: true });
    const res = await client.request({
      method: 'GET',
      url: denied.pathname + denied.search,
      headers: { cookie: stateCookie },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_PROVIDER_ERROR' });
  });
});

describe('"Sign in with ..." endpoints, ending in JWTs', () => {
  it('answers a token pair that works on the API', async () => {
    const client = await createTestClient(appFor('jwt'));
    try {
      const { done } = await signIn(client, 'alice');
      expect(done.status).toBe(200);
      const pair = done.body as TokenPair;
      const me = await client.request({
        method: 'GET',
        url: '/auth/me',
        headers: { authorization: `Bearer ${pair.access}` },
      });
      expect(me.body).toMatchObject({ email: 'alice@example.test' });
    } finally {
      await client.close();
    }
  });
});
