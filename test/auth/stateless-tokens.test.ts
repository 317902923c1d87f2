import { defineApp } from 'basalt';
import { auth, getAuth, isStaff, type TokenPair } from 'basalt/auth';
import { get, t } from 'basalt/http';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// auth({ bearerUser: 'token' }): the access token carries the user, so a request with a bearer
// token reads no row. The trade-off (documented in docs/auth.md): a deactivated or deleted
// user's access token keeps working until it expires; refresh and /auth/me still check the row.
const app = defineApp({
  name: 'stateless',
  modules: [auth({ bearerUser: 'token', rateLimits: { ip: false, account: false } })],
  routes: [
    get(
      '/private',
      { auth: 'required', response: t.Object({ id: t.Integer(), email: t.String(), staff: t.Boolean() }) },
      ({ user }) => ({ id: Number(user.id), email: String(user.email), staff: user.isStaff === true }),
    ),
    get('/staff', { permissions: [isStaff], response: t.Object({ ok: t.Boolean() }) }, () => ({ ok: true })),
  ],
});

const PASSWORD = 'correct horse battery staple';

describe("auth({ bearerUser: 'token' })", () => {
  let client: TestClient<typeof app.routes>;
  let seq = 0;
  beforeAll(async () => {
    client = await createTestClient(app);
  });
  afterAll(() => client.close());

  const service = () => getAuth(client.app);
  const signIn = async (extra: Record<string, unknown> = {}) => {
    seq += 1;
    const user = await service().createUser(client.db!, {
      email: `stateless${seq}@example.com`,
      password: PASSWORD,
      ...extra,
    });
    const res = await client.request({
      method: 'POST',
      url: '/auth/token',
      payload: { email: user.email, password: PASSWORD },
    });
    expect(res.status).toBe(200);
    return { user, pair: res.body as TokenPair };
  };
  const get = (url: string, token: string) =>
    client.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  it('issues access tokens that carry the user, and serves them without reading the user row', async () => {
    const { user, pair } = await signIn({ isStaff: true });
    const claims = JSON.parse(Buffer.from(pair.access.split('.')[1]!, 'base64url').toString());
    expect(claims.usr).toEqual({ email: user.email, isStaff: true, isSuperuser: false });
    expect(claims).not.toHaveProperty('usr.password');

    // The row is gone, yet the token still authenticates: nothing was read.
    await client.db!.delete(service().userModel, user.id as never);
    for (let i = 0; i < 2; i++) {
      const res = await get('/private', pair.access);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: user.id, email: user.email, staff: true });
    }
    expect((await get('/staff', pair.access)).status).toBe(200);
  });

  it('still refuses a deactivated user at /auth/me and at refresh', async () => {
    const { user, pair } = await signIn();
    await client.db!.update(service().userModel, user.id as never, { isActive: false } as never);
    expect((await get('/private', pair.access)).status).toBe(200);
    const me = await get('/auth/me', pair.access);
    expect(me.status).toBe(401);
    expect(String((me.body as { detail: string }).detail)).toContain('inactive');
    const refreshed = await client.request({
      method: 'POST',
      url: '/auth/token/refresh',
      payload: { refresh: pair.refresh },
    });
    expect(refreshed.status).toBe(401);
  });

  it('answers 403 from the claims: a non-staff token cannot reach a staff endpoint', async () => {
    const { pair } = await signIn();
    const res = await get('/staff', pair.access);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'BASALT_HTTP_FORBIDDEN' });
  });

  it('refuses a token whose claims were edited, as a bad signature', async () => {
    const { pair } = await signIn();
    const [header, payload, signature] = pair.access.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    claims.usr.isStaff = true;
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const res = await get('/staff', forged);
    expect(res.status).toBe(401);
  });
});
