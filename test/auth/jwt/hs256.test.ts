import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createTokenService,
  deriveHmacKey,
  hashToken,
  type TokenRejectionReason,
  type TokenServiceOptions,
} from '../../../src/auth/jwt/index.js';

const SECRET = 'test-secret-key-that-is-long-enough-0123456789';
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const base: TokenServiceOptions = {
  secret: SECRET,
  issuer: 'basalt-test',
  audience: 'basalt-api',
  now: () => T0,
};
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; status: number; reason: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; status: number; reason: string };
  }
  throw new Error('expected the token to be rejected');
}

async function expectRejected(promise: Promise<unknown>, reason: TokenRejectionReason): Promise<void> {
  const error = await rejection(promise);
  expect(error).toMatchObject({
    name: 'BasaltError',
    code: 'BASALT_HTTP_UNAUTHENTICATED',
    status: 401,
    reason,
  });
}

/** Signs a token with the service's real derived key, with claims chosen by the test. */
async function forge(
  payload: Record<string, unknown>,
  key: Uint8Array = deriveHmacKey(SECRET),
): Promise<string> {
  const now = Math.floor(T0 / 1000);
  return new SignJWT({
    sub: 'u1',
    iat: now,
    nbf: now,
    exp: now + 60,
    iss: 'basalt-test',
    aud: 'basalt-api',
    jti: 'j1',
    typ: 'access',
    ...payload,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(key);
}

describe('HS256 token service', () => {
  it('issues an access token with the registered claims and verifies it', async () => {
    const tokens = await createTokenService(base);
    const token = await tokens.issueAccess('42', { scope: 'read' });
    const claims = await tokens.verify(token, { type: 'access' });
    const now = Math.floor(T0 / 1000);
    expect(claims).toMatchObject({
      sub: '42',
      iat: now,
      nbf: now,
      exp: now + 300,
      iss: 'basalt-test',
      aud: 'basalt-api',
      typ: 'access',
      scope: 'read',
    });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT', kid: tokens.kid });
    expect(tokens.jwks()).toBeNull();
  });

  it('keeps the kid stable for the same secret and changes it with the secret', async () => {
    const a = await createTokenService(base);
    const b = await createTokenService(base);
    const c = await createTokenService({ ...base, secret: `${SECRET}x` });
    expect(a.kid).toBe(b.kid);
    expect(a.kid).not.toBe(c.kid);
  });

  it('issues a refresh token with a new family, a 14-day expiry and a SHA-256 hash', async () => {
    const tokens = await createTokenService(base);
    const issued = await tokens.issueRefresh('42');
    expect(issued.hash).toBe(createHash('sha256').update(issued.token).digest('hex'));
    expect(hashToken(issued.token)).toBe(issued.hash);
    expect(issued.expiresAt.getTime()).toBe(Math.floor(T0 / 1000) * 1000 + 14 * 24 * 3600 * 1000);
    const claims = await tokens.verify(issued.token, { type: 'refresh' });
    expect(claims).toMatchObject({ sub: '42', typ: 'refresh', fam: issued.family, jti: issued.jti });
  });

  it('keeps the family across rotation and starts a new one otherwise', async () => {
    const tokens = await createTokenService(base);
    const first = await tokens.issueRefresh('42');
    const rotated = await tokens.issueRefresh('42', first.family);
    const other = await tokens.issueRefresh('42');
    expect(rotated.family).toBe(first.family);
    expect(rotated.jti).not.toBe(first.jti);
    expect(rotated.hash).not.toBe(first.hash);
    expect(other.family).not.toBe(first.family);
    expect((await tokens.verify(rotated.token, { type: 'refresh' })).fam).toBe(first.family);
  });

  it('honours configured lifetimes', async () => {
    const tokens = await createTokenService({ ...base, accessTtlSeconds: 60, refreshTtlSeconds: 3600 });
    const now = Math.floor(T0 / 1000);
    expect(decodeJwt(await tokens.issueAccess('1')).exp).toBe(now + 60);
    expect((await tokens.issueRefresh('1')).expiresAt.getTime()).toBe((now + 3600) * 1000);
  });

  it('refuses custom claims that would override registered ones', async () => {
    const tokens = await createTokenService(base);
    await expect(tokens.issueAccess('1', { sub: 'admin' })).rejects.toThrow(/cannot be overridden/);
    await expect(tokens.issueAccess('1', { typ: 'refresh' })).rejects.toThrow(/cannot be overridden/);
  });

  it('fails at creation with BASALT_CONFIG_INVALID when there is no secret', async () => {
    await expect(createTokenService({ ...base, secret: '' })).rejects.toMatchObject({
      code: 'BASALT_CONFIG_INVALID',
    });
  });
});

describe('HS256 verification rejects', () => {
  it('an unsigned token (alg "none")', async () => {
    const tokens = await createTokenService(base);
    const claims = decodeJwt(await tokens.issueAccess('1'));
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    await expectRejected(tokens.verify(none, { type: 'access' }), 'unsigned');
    const noneUpper = `${b64({ alg: 'NONE' })}.${b64(claims)}.`;
    await expectRejected(tokens.verify(noneUpper, { type: 'access' }), 'unsigned');
  });

  it('a token signed with the raw SECRET_KEY instead of the derived key', async () => {
    const tokens = await createTokenService(base);
    const raw = await forge({}, new TextEncoder().encode(SECRET));
    await expectRejected(tokens.verify(raw, { type: 'access' }), 'signature');
    // The same claims under the derived key pass: only the key differs.
    await expect(tokens.verify(await forge({}), { type: 'access' })).resolves.toMatchObject({ sub: 'u1' });
  });

  it('a token signed with another HMAC secret', async () => {
    const tokens = await createTokenService(base);
    const other = await createTokenService({ ...base, secret: 'another-secret-entirely-0123456789abcdef' });
    await expectRejected(tokens.verify(await other.issueAccess('1'), { type: 'access' }), 'signature');
  });

  it('a token signed with an algorithm other than HS256', async () => {
    const tokens = await createTokenService(base);
    const hs512 = await new SignJWT({ sub: '1', typ: 'access' })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new Uint8Array(64));
    await expectRejected(tokens.verify(hs512, { type: 'access' }), 'algorithm');
  });

  it('an expired token, beyond the clock tolerance', async () => {
    let now = T0;
    const tokens = await createTokenService({ ...base, now: () => now, clockToleranceSeconds: 5 });
    const token = await tokens.issueAccess('1');
    now = T0 + 304_000;
    await expect(tokens.verify(token, { type: 'access' })).resolves.toMatchObject({ sub: '1' });
    now = T0 + 306_000;
    await expectRejected(tokens.verify(token, { type: 'access' }), 'expired');
  });

  it('repeats the clock and type checks for a token it verified before', async () => {
    let now = T0;
    const tokens = await createTokenService({ ...base, now: () => now, clockToleranceSeconds: 0 });
    const token = await tokens.issueAccess('1');
    await expect(tokens.verify(token, { type: 'access' })).resolves.toMatchObject({ sub: '1' });
    await expectRejected(tokens.verify(token, { type: 'refresh' }), 'type');
    now = T0 - 60_000;
    await expectRejected(tokens.verify(token, { type: 'access' }), 'not-yet-valid');
    now = T0 + 301_000;
    await expectRejected(tokens.verify(token, { type: 'access' }), 'expired');
  });

  it('a token that is not yet valid (nbf in the future)', async () => {
    const tokens = await createTokenService(base);
    const now = Math.floor(T0 / 1000);
    await expectRejected(tokens.verify(await forge({ nbf: now + 60 }), { type: 'access' }), 'not-yet-valid');
  });

  it('a token from another issuer', async () => {
    const tokens = await createTokenService(base);
    const foreign = await createTokenService({ ...base, issuer: 'someone-else' });
    await expectRejected(tokens.verify(await foreign.issueAccess('1'), { type: 'access' }), 'issuer');
    await expectRejected(tokens.verify(await forge({ iss: undefined }), { type: 'access' }), 'issuer');
  });

  it('a token for another audience', async () => {
    const tokens = await createTokenService(base);
    await expectRejected(tokens.verify(await forge({ aud: 'other-api' }), { type: 'access' }), 'audience');
  });

  it('a token with a flipped signature byte', async () => {
    const tokens = await createTokenService(base);
    const [h, p, s] = (await tokens.issueAccess('1')).split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    sig[0] = (sig[0] ?? 0) ^ 0x01;
    await expectRejected(
      tokens.verify(`${h}.${p}.${sig.toString('base64url')}`, { type: 'access' }),
      'signature',
    );
    await expectRejected(tokens.verify(`${h}.${p}.`, { type: 'access' }), 'signature');
  });

  it('a token whose payload was altered', async () => {
    const tokens = await createTokenService(base);
    const [h, p, s] = (await tokens.issueAccess('1')).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const altered = `${h}.${b64({ ...claims, sub: 'admin' })}.${s}`;
    await expectRejected(tokens.verify(altered, { type: 'access' }), 'signature');
  });

  it('truncated and garbage tokens', async () => {
    const tokens = await createTokenService(base);
    const token = await tokens.issueAccess('1');
    const [h, p] = token.split('.') as [string, string];
    for (const bad of [
      '',
      'garbage',
      'a.b.c',
      `${h}.${p}`,
      token.slice(0, 20),
      `${h}`,
      `${b64('not an object')}.${p}.xx`,
      `!!!.${p}.xx`,
    ]) {
      await expectRejected(tokens.verify(bad, { type: 'access' }), 'malformed');
    }
  });

  it('a token missing a required claim', async () => {
    const tokens = await createTokenService(base);
    await expectRejected(tokens.verify(await forge({ jti: undefined }), { type: 'access' }), 'claims');
    await expectRejected(tokens.verify(await forge({ nbf: undefined }), { type: 'access' }), 'claims');
    await expectRejected(tokens.verify(await forge({ exp: undefined }), { type: 'access' }), 'claims');
    await expectRejected(tokens.verify(await forge({ nbf: 'soon' }), { type: 'access' }), 'claims');
    await expectRejected(
      tokens.verify(await forge({ typ: 'refresh', fam: undefined }), { type: 'refresh' }),
      'claims',
    );
  });

  it('a refresh token used as an access token, and the reverse', async () => {
    const tokens = await createTokenService(base);
    const refresh = await tokens.issueRefresh('1');
    const access = await tokens.issueAccess('1');
    await expectRejected(tokens.verify(refresh.token, { type: 'access' }), 'type');
    await expectRejected(tokens.verify(access, { type: 'refresh' }), 'type');
  });

  it('with a safe message naming the reason, and a Bearer challenge', async () => {
    const tokens = await createTokenService(base);
    const error = await rejection(tokens.verify((await tokens.issueRefresh('1')).token, { type: 'access' }));
    expect(error).toMatchObject({
      message: 'Token is of the wrong type: expected an access token',
      expose: true,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  });
});
