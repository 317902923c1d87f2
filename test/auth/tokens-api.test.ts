import { generateKeyPairSync } from 'node:crypto';
import { defineApp, outboxMailBackend } from 'basalt';
import { allow, auth, getAuth, isStaff, permission, type TokenPair } from 'basalt/auth';
import { defineModel, f } from 'basalt/db';
import { get, post, t } from 'basalt/http';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/jwt/index.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

const Note = defineModel(
  'note',
  { text: f.string({ max: 200 }) },
  { permissions: { publish_note: 'Can publish notes' } },
);

const mail = outboxMailBackend();

const app = defineApp({
  name: 'notes',
  // Limits are tested in rate-limit.test.ts; these tests sign in far more often than a person.
  modules: [auth({ mail, rateLimits: { ip: false, account: false } })],
  models: [Note],
  routes: [
    get('/public', { response: t.Object({ user: t.Union([t.String(), t.Null()]) }) }, ({ user }) => ({
      user: user ? String(user.email) : null,
    })),
    get('/private', { auth: 'required', response: t.Object({ email: t.String() }) }, ({ user }) => ({
      email: String(user!.email),
    })),
    post(
      '/notes',
      { permissions: ['add_note'], body: t.Object({ text: t.String() }) },
      async ({ db, body }) => db.create(Note, body),
    ),
    post(
      '/notes/publish',
      { permissions: [permission('notes.publish_note'), isStaff, allow('open today', () => true)] },
      () => ({
        ok: true,
      }),
    ),
  ],
});

type Client = TestClient<typeof app.routes>;
const PASSWORD = 'correct horse battery staple';

const cases = [
  { name: 'SQLite', database: {} },
  ...(hasPostgres ? [{ name: 'PostgreSQL', database: { url: POSTGRES_URL } }] : []),
];

describe.each(cases)('JWT endpoints on $name', ({ database }) => {
  let client: Client;
  let seq = 0;
  beforeAll(async () => {
    client = await createTestClient(app, { database });
  });
  afterAll(() => client.close());

  const service = () => getAuth(client.app);
  const newUser = async (extra: Record<string, unknown> = {}) => {
    seq += 1;
    return service().createUser(client.db!, {
      email: `User${seq}@Example.com`,
      password: PASSWORD,
      ...extra,
    });
  };
  const login = async (email: string, password = PASSWORD) =>
    client.request({ method: 'POST', url: '/auth/token', payload: { email, password } });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const me = (token: string) => client.request({ method: 'GET', url: '/auth/me', headers: bearer(token) });
  const refresh = (token: string) =>
    client.request({ method: 'POST', url: '/auth/token/refresh', payload: { refresh: token } });

  it('signs in with the right password, case-insensitively on the email', async () => {
    const user = await newUser();
    const res = await login(String(user.email).toUpperCase());
    expect(res.status).toBe(200);
    const pair = res.body as TokenPair;
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 300, refreshExpiresIn: 1_209_600 });
    const mine = await me(pair.access);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ id: user.id, email: user.email, isStaff: false, permissions: [] });
    expect(mine.body).not.toHaveProperty('password');
    const stored = await client.db!.query(service().userModel).where({ id: user.id }).first();
    expect((stored as unknown as { lastLogin: Date | null }).lastLogin).toBeInstanceOf(Date);
  });

  it('answers the same 401 for a wrong password, an unknown account and an inactive user', async () => {
    const user = await newUser();
    const inactive = await newUser({ isActive: false });
    const answers = await Promise.all([
      login(String(user.email), 'wrong password'),
      login('nobody@example.com'),
      login(String(inactive.email)),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        code: 'BASALT_HTTP_UNAUTHENTICATED',
        detail: 'No active account with these credentials',
      });
    }
  });

  it('refuses a malformed sign-in body with a 400 naming the field', async () => {
    const res = await client.request({ method: 'POST', url: '/auth/token', payload: { email: 'a@b.c' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('password');
  });

  it('stores refresh tokens only as hashes', async () => {
    const user = await newUser();
    const pair = (await login(String(user.email))).body as TokenPair;
    const { rows } = await client
      .db!.kysely.selectFrom('auth_refresh_token')
      .selectAll()
      .execute()
      .then((r) => ({ rows: r }));
    const serialized = JSON.stringify(rows);
    expect(serialized).not.toContain(pair.refresh);
    expect(serialized).toContain(hashToken(pair.refresh));
  });

  it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
    const user = await newUser();
    const first = (await login(String(user.email))).body as TokenPair;
    const second = await refresh(first.refresh);
    expect(second.status).toBe(200);
    const secondPair = second.body as TokenPair;
    expect(secondPair.refresh).not.toBe(first.refresh);
    expect((await me(secondPair.access)).status).toBe(200);

    const reuse = await refresh(first.refresh);
    expect(reuse.status).toBe(401);
    expect(reuse.headers['www-authenticate']).toContain('invalid_token');
    expect(String((reuse.body as { detail: string }).detail)).toContain('already used');
    // The attacker's use revoked the legitimate holder's newer token as well.
    const after = await refresh(secondPair.refresh);
    expect(after.status).toBe(401);
    // A separate sign-in (another family) is untouched.
    const other = (await login(String(user.email))).body as TokenPair;
    expect((await refresh(other.refresh)).status).toBe(200);
  });

  it('lets exactly one of two concurrent refreshes of the same token through', async () => {
    const user = await newUser();
    const pair = (await login(String(user.email))).body as TokenPair;
    const results = await Promise.all([refresh(pair.refresh), refresh(pair.refresh)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('refuses an access token used as a refresh token and junk', async () => {
    const user = await newUser();
    const pair = (await login(String(user.email))).body as TokenPair;
    expect((await refresh(pair.access)).status).toBe(401);
    expect((await refresh('not-a-token')).status).toBe(401);
    expect((await me(pair.refresh)).status).toBe(401);
    const malformed = await client.request({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: 'Basic abc' },
    });
    expect(malformed.status).toBe(401);
  });

  it('logout revokes the refresh token; everywhere revokes every sign-in', async () => {
    const user = await newUser();
    const a = (await login(String(user.email))).body as TokenPair;
    const b = (await login(String(user.email))).body as TokenPair;
    const out = await client.request({
      method: 'POST',
      url: '/auth/logout',
      payload: { refresh: a.refresh },
    });
    expect(out.status).toBe(204);
    expect((await refresh(a.refresh)).status).toBe(401);
    expect((await refresh(b.refresh)).status).toBe(200);

    const c = (await login(String(user.email))).body as TokenPair;
    const all = await client.request({
      method: 'POST',
      url: '/auth/logout',
      headers: bearer(c.access),
      payload: { everywhere: true },
    });
    expect(all.status).toBe(204);
    expect((await refresh(c.refresh)).status).toBe(401);
    const anonymousEverywhere = await client.request({
      method: 'POST',
      url: '/auth/logout',
      payload: { everywhere: true },
    });
    expect(anonymousEverywhere.status).toBe(401);
    const nothing = await client.request({ method: 'POST', url: '/auth/logout', payload: {} });
    expect(nothing.status).toBe(400);
  });

  it('refuses the tokens of a deactivated or deleted user', async () => {
    const user = await newUser();
    const pair = (await login(String(user.email))).body as TokenPair;
    await client.db!.update(service().userModel, user.id as never, { isActive: false } as never);
    const res = await me(pair.access);
    expect(res.status).toBe(401);
    expect(String((res.body as { detail: string }).detail)).toContain('inactive');
    expect((await refresh(pair.refresh)).status).toBe(401);

    const gone = await newUser();
    const gonePair = (await login(String(gone.email))).body as TokenPair;
    await client.db!.delete(service().userModel, gone.id as never);
    expect((await me(gonePair.access)).status).toBe(401);
    expect((await refresh(gonePair.refresh)).status).toBe(401);
  });

  it('answers 401 with WWW-Authenticate on a required endpoint, and reads the user on others', async () => {
    const anonymous = await client.request({ method: 'GET', url: '/private' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="api"');
    const user = await newUser();
    const pair = (await login(String(user.email))).body as TokenPair;
    expect(
      (await client.request({ method: 'GET', url: '/private', headers: bearer(pair.access) })).body,
    ).toEqual({
      email: user.email,
    });
    expect((await client.request({ method: 'GET', url: '/public' })).body).toEqual({ user: null });
    expect(
      (await client.request({ method: 'GET', url: '/public', headers: bearer(pair.access) })).body,
    ).toEqual({
      user: user.email,
    });
    // A bad token is refused even where authentication is optional (as DRF does).
    expect((await client.request({ method: 'GET', url: '/public', headers: bearer('x.y.z') })).status).toBe(
      401,
    );
  });

  it('enforces permissions: direct, through a group, custom, checks, superuser', async () => {
    const s = service();
    const user = await newUser();
    const token = ((await login(String(user.email))).body as TokenPair).access;
    const addNote = () =>
      client.request({ method: 'POST', url: '/notes', headers: bearer(token), payload: { text: 'hi' } });
    const denied = await addNote();
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: 'BASALT_HTTP_FORBIDDEN' });
    expect(String((denied.body as { detail: string }).detail)).toContain('add_note');
    expect((await client.request({ method: 'POST', url: '/notes', payload: { text: 'hi' } })).status).toBe(
      401,
    );

    await s.grantPermissions(client.db!, { user: user.id }, ['add_note']);
    expect((await addNote()).status).toBe(201);

    // Through a group.
    const other = await newUser();
    const otherToken = ((await login(String(other.email))).body as TokenPair).access;
    const { Group } = await import('basalt/auth');
    const editors = await client.db!.create(Group, { name: `editors-${seq}` });
    await s.grantPermissions(client.db!, { group: editors.id }, ['add_note', 'publish_note']);
    await client.db!.update(s.userModel, other.id as never, { groups: [editors.id] } as never);
    const viaGroup = await client.request({
      method: 'POST',
      url: '/notes',
      headers: bearer(otherToken),
      payload: { text: 'from group' },
    });
    expect(viaGroup.status).toBe(201);
    expect((await me(otherToken)).body).toMatchObject({ permissions: ['add_note', 'publish_note'] });
    // A custom permission plus a check function: the check (isStaff) still fails, and is named.
    const notStaff = await client.request({
      method: 'POST',
      url: '/notes/publish',
      headers: bearer(otherToken),
    });
    expect(notStaff.status).toBe(403);
    expect((notStaff.body as { detail: string }).detail).toContain('(isStaff)');
    await client.db!.update(s.userModel, other.id as never, { isStaff: true } as never);
    expect(
      (await client.request({ method: 'POST', url: '/notes/publish', headers: bearer(otherToken) })).status,
    ).toBe(201);

    const root = await newUser({ isSuperuser: true, isStaff: true });
    const rootToken = ((await login(String(root.email))).body as TokenPair).access;
    expect(
      (await client.request({ method: 'POST', url: '/notes/publish', headers: bearer(rootToken) })).status,
    ).toBe(201);
  });

  it('created the model permissions at start, custom ones included', async () => {
    const { Permission } = await import('basalt/auth');
    const codenames = (await client.db!.query(Permission).all()).map((p) => p.codename);
    expect(codenames).toEqual(
      expect.arrayContaining([
        'view_note',
        'add_note',
        'change_note',
        'delete_note',
        'publish_note',
        'view_user',
      ]),
    );
  });

  it('upgrades a legacy hash on the next successful sign-in', async () => {
    const { createPbkdf2Hasher } = await import('basalt/auth');
    const legacy = await createPbkdf2Hasher({ iterations: 1000 }).hash(PASSWORD);
    const user = await newUser();
    await client.db!.update(service().userModel, user.id as never, { password: legacy } as never);
    expect((await login(String(user.email))).status).toBe(200);
    const stored = (await client
      .db!.query(service().userModel)
      .where({ id: user.id })
      .first()) as unknown as {
      password: string;
    };
    expect(stored.password.startsWith('$argon2id$')).toBe(true);
    expect((await login(String(user.email))).status).toBe(200);
  });
});

describe('OpenAPI of guarded endpoints', () => {
  it('documents bearer security, 401 and 403 where they apply', async () => {
    const client = await createTestClient(app);
    try {
      const doc = client.app.openapi() as unknown as {
        paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
        components: { securitySchemes?: Record<string, unknown> };
      };
      expect(doc.components.securitySchemes?.bearerAuth).toEqual({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: expect.stringContaining('RFC8725'),
      });
      expect(doc.paths['/private']!.get!.security).toContainEqual({ bearerAuth: [] });
      expect(doc.paths['/private']!.get!.security).not.toContainEqual({});
      expect(doc.paths['/private']!.get!.responses).toHaveProperty('401');
      expect(doc.paths['/notes']!.post!.responses).toHaveProperty('403');
      expect(doc.paths['/public']!.get!.security).toBeUndefined();
      expect(doc.paths['/auth/logout']!.post!.security).toContainEqual({ bearerAuth: [] });
      expect(doc.paths['/auth/logout']!.post!.security).toContainEqual({});
      // Signing in is public on purpose, and says so (auth: 'none').
      expect(doc.paths['/auth/token']!.post!.security).toEqual([{}]);
      // A bad token is refused wherever it is sent, so every operation declares a 401.
      expect(doc.paths['/public']!.get!.responses).toHaveProperty('401');
      const SwaggerParser = (await import('@apidevtools/swagger-parser')).default;
      await SwaggerParser.validate(structuredClone(doc) as never);
    } finally {
      await client.close();
    }
  });

  it('refuses to build an app whose endpoint needs auth without an auth module', async () => {
    const bare = defineApp({ name: 'bare', routes: [get('/x', { auth: 'required' }, () => ({}))] });
    await expect(createTestClient(bare)).rejects.toThrow(/no authentication module/);
  });
});

describe('password change and reset', () => {
  let client: Client;
  beforeAll(async () => {
    client = await createTestClient(app);
  });
  afterAll(() => client.close());
  const login = async (email: string, password: string) =>
    client.request({ method: 'POST', url: '/auth/token', payload: { email, password } });

  it('changes the password with the old one, revoking the refresh tokens', async () => {
    const user = await getAuth(client.app).createUser(client.db!, {
      email: 'change@example.com',
      password: PASSWORD,
    });
    const pair = (await login(String(user.email), PASSWORD)).body as TokenPair;
    const headers = { authorization: `Bearer ${pair.access}` };
    const change = (oldPassword: string, newPassword: string) =>
      client.request({
        method: 'POST',
        url: '/auth/password/change',
        headers,
        payload: { oldPassword, newPassword },
      });
    const wrongOld = await change('not it', 'a fresh strong password');
    expect(wrongOld.status).toBe(400);
    expect(JSON.stringify(wrongOld.body)).toContain('/body/oldPassword');
    const weak = await change(PASSWORD, 'password1');
    expect(weak.status).toBe(400);
    expect(JSON.stringify(weak.body)).toContain('/body/newPassword');
    expect((await change(PASSWORD, 'a fresh strong password')).status).toBe(204);
    expect((await login(String(user.email), PASSWORD)).status).toBe(401);
    expect((await login(String(user.email), 'a fresh strong password')).status).toBe(200);
    const refreshed = await client.request({
      method: 'POST',
      url: '/auth/token/refresh',
      payload: { refresh: pair.refresh },
    });
    expect(refreshed.status).toBe(401);
    expect((await client.request({ method: 'POST', url: '/auth/password/change', payload: {} })).status).toBe(
      401,
    );
  });

  it('resets a forgotten password through a mailed single-use token', async () => {
    const user = await getAuth(client.app).createUser(client.db!, {
      email: 'forgot@example.com',
      password: PASSWORD,
    });
    const before = mail.outbox.length;
    const unknown = await client.request({
      method: 'POST',
      url: '/auth/password/reset',
      payload: { email: 'ghost@example.com' },
    });
    expect(unknown.status).toBe(202);
    expect(mail.outbox.length).toBe(before);

    const asked = await client.request({
      method: 'POST',
      url: '/auth/password/reset',
      payload: { email: 'FORGOT@example.com' },
    });
    expect(asked.status).toBe(202);
    expect(mail.outbox.length).toBe(before + 1);
    const message = mail.outbox.at(-1)!;
    expect(message.to).toBe('forgot@example.com');
    const [, uid, token] = /uid=(\S+) and token=(\S+)/.exec(message.text)!;
    expect(uid).toBe(String(user.id));

    const confirm = (payload: Record<string, string>) =>
      client.request({ method: 'POST', url: '/auth/password/reset/confirm', payload });
    const tampered = await confirm({
      uid: uid!,
      token: `${token!.slice(0, -2)}xx`,
      newPassword: 'a recovered password',
    });
    expect(tampered.status).toBe(400);
    const weak = await confirm({ uid: uid!, token: token!, newPassword: '123' });
    expect(weak.status).toBe(400);
    expect(JSON.stringify(weak.body)).toContain('/body/newPassword');
    expect((await confirm({ uid: uid!, token: token!, newPassword: 'a recovered password' })).status).toBe(
      204,
    );
    expect((await login('forgot@example.com', 'a recovered password')).status).toBe(200);
    // Single use: the password (and last login) changed, so the same token is dead.
    expect((await confirm({ uid: uid!, token: token!, newPassword: 'another recovered one' })).status).toBe(
      400,
    );
    expect(
      (await confirm({ uid: '999999', token: token!, newPassword: 'another recovered one' })).status,
    ).toBe(400);
  });
});

describe('asymmetric keys', () => {
  it('serves the JWKS with EdDSA and verifies its own tokens; HS256 serves none', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const client = await createTestClient(app, { env: { JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: pem } });
    try {
      const jwks = await client.request({ method: 'GET', url: '/auth/jwks.json' });
      expect(jwks.status).toBe(200);
      expect((jwks.body as { keys: { kty: string; alg: string; d?: string }[] }).keys[0]).toMatchObject({
        kty: 'OKP',
        alg: 'EdDSA',
      });
      expect(JSON.stringify(jwks.body)).not.toContain('"d"');
      await getAuth(client.app).createUser(client.db!, { email: 'ed@example.com', password: PASSWORD });
      const pair = (
        await client.request({
          method: 'POST',
          url: '/auth/token',
          payload: { email: 'ed@example.com', password: PASSWORD },
        })
      ).body as TokenPair;
      expect(JSON.parse(Buffer.from(pair.access.split('.')[0]!, 'base64url').toString()).alg).toBe('EdDSA');
      const me = await client.request({
        method: 'GET',
        url: '/auth/me',
        headers: { authorization: `Bearer ${pair.access}` },
      });
      expect(me.status).toBe(200);
    } finally {
      await client.close();
    }
    const hs = await createTestClient(app);
    try {
      expect((await hs.request({ method: 'GET', url: '/auth/jwks.json' })).status).toBe(404);
    } finally {
      await hs.close();
    }
  });
});
