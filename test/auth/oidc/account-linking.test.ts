import { defineApp } from 'basalt';
import { auth, defineOidcProvider, getAuth, type OidcEmailLinking, User } from 'basalt/auth';
import { createTestClient, type TestResponse } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOidcProvider, startOidcProvider } from '../../support/oidc-provider.js';
import { hasRedis, REDIS_URL } from '../../support/redis.js';
import { type LaxProvider, startLaxProvider } from './lax-provider.js';

// A real provider (oidc-provider) for the documented linking path, and a provider under the
// test's control that asserts any verified email and re-exchanges used codes.
let op: RunningOidcProvider;
let lax: LaxProvider;
beforeAll(async () => {
  op = await startOidcProvider({
    clients: [
      {
        client_id: 'basalt-app',
        client_secret: 'app-secret',
        redirect_uris: [
          'http://localhost:80/auth/oidc/real/callback',
          'http://localhost/auth/oidc/real/callback',
        ],
      },
    ],
    accounts: { 'admin-elsewhere': { email: 'someone.else@corp.test', email_verified: true } },
  });
  lax = await startLaxProvider();
});
afterAll(async () => {
  await op.close();
  await lax.close();
});

const PASSWORD = 'the admin password, long enough';
const ORIGIN = 'http://localhost';

function linkingApp(laxLinking: OidcEmailLinking) {
  return defineApp({
    name: `linking-${laxLinking}`,
    modules: [
      auth({
        oidc: {
          providers: [
            defineOidcProvider({
              name: 'real',
              issuer: op.issuer,
              clientId: 'basalt-app',
              clientSecret: 'app-secret',
            }),
            defineOidcProvider({
              name: 'lax',
              issuer: lax.issuer,
              clientId: 'lax-app',
              clientSecret: 'lax-secret',
              linkByEmail: laxLinking,
            }),
          ],
          redirectHosts: ['app.example.test'],
        },
      }),
    ],
    routes: [],
  });
}

type Client = Awaited<ReturnType<typeof createTestClient>>;

const cookiesOf = (res: TestResponse): string[] => {
  const header = res.headers['set-cookie'];
  return header === undefined ? [] : ([] as string[]).concat(header as string | string[]);
};
const cookie = (res: TestResponse, name: string) =>
  cookiesOf(res)
    .find((c) => c.startsWith(`${name}=`) && !c.startsWith(`${name}=;`))
    ?.split(';')[0];

/** Starts a login at the lax provider and comes back asserting `claims`. */
async function laxLogin(client: Client, claims: { sub: string } & Record<string, unknown>, next?: string) {
  const start = await client.request({
    method: 'GET',
    url: `/auth/oidc/lax/login${next === undefined ? '' : `?next=${next}`}`,
  });
  expect(start.status).toBe(302);
  const state = cookie(start, 'basalt_oidc_lax')!;
  const callback = lax.authorize(String(start.headers.location), claims);
  const url = callback.pathname + callback.search;
  const done = await client.request({ method: 'GET', url, headers: { cookie: state } });
  return { done, state, url };
}

async function createAdmin(client: Client) {
  return getAuth(client.app).createUser(client.db!, {
    email: 'admin@example.test',
    password: PASSWORD,
    isStaff: true,
    isSuperuser: true,
  });
}

const identities = async (client: Client) =>
  (await client.db!.kysely.selectFrom('auth_oidc_identity').selectAll().execute()).map((row) => ({
    provider: row.provider as string,
    subject: row.subject as string,
    userId: Number(row.user_id),
  }));

describe("account takeover through a provider asserting someone else's email", () => {
  for (const linking of ['never', 'verified-trusted'] as const) {
    it(`refuses to sign a new identity in to an existing superuser (linkByEmail: ${linking})`, async () => {
      const client = await createTestClient(linkingApp(linking));
      try {
        await createAdmin(client);
        for (const email of ['Admin@Example.TEST', ' admin@example.test', '\uff21dmin@example.test']) {
          const { done } = await laxLogin(client, { sub: `attacker-${email}`, email, email_verified: true });
          expect(done.status).toBe(409);
          expect(done.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_ACCOUNT_EXISTS' });
          expect(cookie(done, 'basalt_session')).toBeUndefined();
        }
        expect(await identities(client)).toEqual([]);
        expect(await client.db!.query(User).count()).toBe(1);
      } finally {
        await client.close();
      }
    });
  }

  it('links by verified email under verified-trusted only an account with no password and no rights', async () => {
    const client = await createTestClient(linkingApp('verified-trusted'));
    try {
      const plain = await getAuth(client.app).createUser(client.db!, {
        email: 'plain@example.test',
        password: '',
      });
      const { done } = await laxLogin(client, {
        sub: 'p1',
        email: 'Plain@Example.test',
        email_verified: true,
      });
      expect(done.status).toBe(303);
      expect(await identities(client)).toMatchObject([{ provider: 'lax', subject: 'p1', userId: plain.id }]);
      // An account with a usable password is not linked, even by a trusted provider.
      await getAuth(client.app).createUser(client.db!, { email: 'pw@example.test', password: PASSWORD });
      const refused = await laxLogin(client, { sub: 'p2', email: 'pw@example.test', email_verified: true });
      expect(refused.done.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_ACCOUNT_EXISTS' });
      // An unverified email links nothing and creates nothing.
      const unverified = await laxLogin(client, {
        sub: 'p3',
        email: 'new@example.test',
        email_verified: false,
      });
      expect(unverified.done.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_EMAIL_UNVERIFIED' });
    } finally {
      await client.close();
    }
  });
});

describe('the documented linking path', () => {
  it('links a provider to the signed-in account, after which the provider signs in to it', async () => {
    const client = await createTestClient(linkingApp('never'));
    try {
      const admin = await createAdmin(client);
      const login = await client.request({
        method: 'POST',
        url: '/auth/session/login',
        payload: { email: 'admin@example.test', password: PASSWORD },
        headers: { origin: ORIGIN },
      });
      expect(login.status).toBe(204);
      const session = cookie(login, 'basalt_session')!;
      const csrf = String(login.headers['x-csrf-token']);

      // Without the CSRF token, a page elsewhere cannot start a link in the user's name.
      const forged = await client.request({
        method: 'POST',
        url: '/auth/oidc/real/link',
        payload: {},
        headers: { cookie: session, origin: ORIGIN },
      });
      expect(forged.status).toBe(403);
      // Anonymous: nothing to link to.
      const anonymous = await client.request({ method: 'POST', url: '/auth/oidc/real/link', payload: {} });
      expect(anonymous.status).toBe(401);

      const link = await client.request({
        method: 'POST',
        url: '/auth/oidc/real/link',
        payload: { next: '/settings' },
        headers: { cookie: session, origin: ORIGIN, 'x-csrf-token': csrf },
      });
      expect(link.status).toBe(200);
      const state = cookie(link, 'basalt_oidc_real')!;
      const callback = await op.driveLogin((link.body as { url: string }).url, 'admin-elsewhere');
      const done = await client.request({
        method: 'GET',
        url: callback.pathname + callback.search,
        headers: { cookie: `${state}; ${session}` },
      });
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/settings');
      expect(await identities(client)).toMatchObject([
        { provider: 'real', subject: 'admin-elsewhere', userId: admin.id },
      ]);

      // From now on the provider signs in to the admin account, whatever email it asserts.
      const start = await client.request({ method: 'GET', url: '/auth/oidc/real/login' });
      const again = await op.driveLogin(String(start.headers.location), 'admin-elsewhere');
      const second = await client.request({
        method: 'GET',
        url: again.pathname + again.search,
        headers: { cookie: cookie(start, 'basalt_oidc_real')! },
      });
      expect(second.status).toBe(303);
      const me = await client.request({
        method: 'GET',
        url: '/auth/me',
        headers: { cookie: cookie(second, 'basalt_session')! },
      });
      expect(me.body).toMatchObject({ email: 'admin@example.test', isSuperuser: true });
    } finally {
      await client.close();
    }
  });

  it('refuses to link an identity already linked to another account', async () => {
    const client = await createTestClient(linkingApp('never'));
    try {
      await laxLogin(client, { sub: 'shared', email: 'first@example.test', email_verified: true });
      await getAuth(client.app).createUser(client.db!, { email: 'second@example.test', password: PASSWORD });
      const login = await client.request({
        method: 'POST',
        url: '/auth/session/login',
        payload: { email: 'second@example.test', password: PASSWORD },
        headers: { origin: ORIGIN },
      });
      const link = await client.request({
        method: 'POST',
        url: '/auth/oidc/lax/link',
        payload: {},
        headers: {
          cookie: cookie(login, 'basalt_session')!,
          origin: ORIGIN,
          'x-csrf-token': String(login.headers['x-csrf-token']),
        },
      });
      const callback = lax.authorize((link.body as { url: string }).url, { sub: 'shared' });
      const done = await client.request({
        method: 'GET',
        url: callback.pathname + callback.search,
        headers: { cookie: cookie(link, 'basalt_oidc_lax')! },
      });
      expect(done.status).toBe(409);
      expect(done.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_IDENTITY_TAKEN' });
    } finally {
      await client.close();
    }
  });
});

const stores = [
  { name: 'the database', env: {} },
  ...(hasRedis ? [{ name: 'Redis', env: { REDIS_URL } }] : []),
];

describe.each(stores)('single-use login state kept in $name', ({ env }) => {
  let client: Client;
  beforeAll(async () => {
    client = await createTestClient(linkingApp('never'), { env });
  });
  afterAll(() => client.close());

  it('refuses a replayed callback even when the provider exchanges the code again', async () => {
    const before = lax.exchanges;
    const { done, state, url } = await laxLogin(client, {
      sub: 'r1',
      email: 'r1@example.test',
      email_verified: true,
    });
    expect(done.status).toBe(303);
    const replay = await client.request({ method: 'GET', url, headers: { cookie: state } });
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_STATE_MISMATCH' });
    expect(cookie(replay, 'basalt_session')).toBeUndefined();
    // The replay never reached the provider: the state was gone first.
    expect(lax.exchanges - before).toBe(1);
  });

  it('lets exactly one of two concurrent callbacks through', async () => {
    const start = await client.request({ method: 'GET', url: '/auth/oidc/lax/login' });
    const state = cookie(start, 'basalt_oidc_lax')!;
    const callback = lax.authorize(String(start.headers.location), {
      sub: 'r2',
      email: 'r2@example.test',
      email_verified: true,
    });
    const url = callback.pathname + callback.search;
    const answers = await Promise.all(
      [1, 2, 3].map(() => client.request({ method: 'GET', url, headers: { cookie: state } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([303, 400, 400]);
  });

  it('refuses a state cookie that is tampered with', async () => {
    const { state, url } = await laxLogin(client, {
      sub: 'r3',
      email: 'r3@example.test',
      email_verified: true,
    });
    const forged = await client.request({
      method: 'GET',
      url,
      headers: { cookie: `${state.slice(0, -2)}xx` },
    });
    expect(forged.body).toMatchObject({ code: 'BASALT_AUTH_OIDC_STATE_MISMATCH' });
  });
});

describe('where the browser goes after signing in', () => {
  let client: Client;
  beforeAll(async () => {
    client = await createTestClient(linkingApp('never'));
  });
  afterAll(() => client.close());

  // Raw query strings, as an attacker writes them in a link.
  const HOSTILE = [
    '/%09/evil.test',
    '/%0A/evil.test',
    '/%0D%0ASet-Cookie:%20x=1',
    '/%E3%80%82/evil.test',
    '%2F%2Fevil.test',
    '/%5Cevil.test',
    'https:evil.test',
    'https://evil.test',
    'https://localhost@evil.test',
    'javascript:alert(1)',
    '/%EF%BC%8F/evil.test',
  ];
  it.each(HOSTILE)('sends next=%s to / instead', async (next) => {
    const { done } = await laxLogin(
      client,
      { sub: `n-${next}`, email: `n${HOSTILE.indexOf(next)}@example.test`, email_verified: true },
      next,
    );
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/');
  });

  it('keeps a local path or an allowed host', async () => {
    const local = await laxLogin(
      client,
      { sub: 'ok1', email: 'ok1@example.test', email_verified: true },
      '%2Fbooks%3Fpage%3D2',
    );
    expect(local.done.headers.location).toBe('/books?page=2');
    const allowed = await laxLogin(
      client,
      { sub: 'ok2', email: 'ok2@example.test', email_verified: true },
      encodeURIComponent('https://app.example.test/welcome'),
    );
    expect(allowed.done.headers.location).toBe('https://app.example.test/welcome');
  });
});

describe('starting logins', () => {
  it('limits the logins one IP may start, each of which keeps a state server-side', async () => {
    const client = await createTestClient(
      defineApp({
        name: 'limited-logins',
        modules: [
          auth({
            rateLimits: { ip: { max: 2, window: '1m' } },
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
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1)
        statuses.push((await client.request({ method: 'GET', url: '/auth/oidc/lax/login' })).status);
      expect(statuses).toEqual([302, 302, 429]);
    } finally {
      await client.close();
    }
  });
});
