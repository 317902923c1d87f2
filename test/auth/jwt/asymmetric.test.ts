import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenService,
  type TokenRejectionReason,
  type TokenService,
  type TokenServiceOptions,
} from '../../../src/auth/jwt/index.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const NOW = Math.floor(T0 / 1000);
const common = { issuer: 'basalt-test', audience: 'basalt-api', now: () => T0 } as const;
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Pems {
  privateKey: string;
  publicKey: string;
  signer: CryptoKey;
}

async function pems(alg: 'EdDSA' | 'RS256'): Promise<Pems> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    privateKey: await exportPKCS8(privateKey),
    publicKey: await exportSPKI(publicKey),
    signer: privateKey,
  };
}

async function expectRejected(promise: Promise<unknown>, reason: TokenRejectionReason): Promise<void> {
  const error = await promise.then(
    () => {
      throw new Error('expected the token to be rejected');
    },
    (e: unknown) => e,
  );
  expect(error).toMatchObject({
    name: 'BasaltError',
    code: 'BASALT_HTTP_UNAUTHENTICATED',
    status: 401,
    reason,
  });
}

describe.each(['EdDSA', 'RS256'] as const)('%s token service', (algorithm) => {
  let keys: Pems;
  let otherKeys: Pems;
  let tokens: TokenService;
  let options: TokenServiceOptions;

  async function forge(payload: Record<string, unknown>, signer: CryptoKey = keys.signer): Promise<string> {
    return new SignJWT({
      sub: 'u1',
      iat: NOW,
      nbf: NOW,
      exp: NOW + 60,
      iss: 'basalt-test',
      aud: 'basalt-api',
      jti: 'j1',
      typ: 'access',
      ...payload,
    })
      .setProtectedHeader({ alg: algorithm })
      .sign(signer);
  }

  beforeAll(async () => {
    keys = await pems(algorithm);
    otherKeys = await pems(algorithm);
    options = { ...common, algorithm, privateKey: keys.privateKey, publicKey: keys.publicKey };
    tokens = await createTokenService(options);
  });

  it('issues and verifies access and refresh tokens', async () => {
    const access = await tokens.issueAccess('42', { role: 'staff' });
    expect(decodeProtectedHeader(access)).toEqual({ alg: algorithm, typ: 'JWT', kid: tokens.kid });
    await expect(tokens.verify(access, { type: 'access' })).resolves.toMatchObject({
      sub: '42',
      typ: 'access',
      role: 'staff',
      exp: NOW + 300,
    });
    const refresh = await tokens.issueRefresh('42');
    const rotated = await tokens.issueRefresh('42', refresh.family);
    await expect(tokens.verify(rotated.token, { type: 'refresh' })).resolves.toMatchObject({
      fam: refresh.family,
      jti: rotated.jti,
    });
  });

  it('publishes a JWKS whose key verifies issued tokens', async () => {
    const jwks = tokens.jwks();
    expect(jwks?.keys).toHaveLength(1);
    const [jwk] = jwks?.keys ?? [];
    expect(jwk).toMatchObject({ kid: tokens.kid, alg: algorithm, use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
    expect(jwk).not.toHaveProperty('p');
    expect(tokens.kid).toBe(await calculateJwkThumbprint(jwk ?? {}, 'sha256'));
    const token = await tokens.issueAccess('7');
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks ?? { keys: [] }), {
      issuer: 'basalt-test',
      audience: 'basalt-api',
      currentDate: new Date(T0),
    });
    expect(payload.sub).toBe('7');
  });

  it('keeps the kid stable across restarts with the same key', async () => {
    const again = await createTokenService({ ...options, publicKey: undefined });
    expect(again.kid).toBe(tokens.kid);
    const other = await createTokenService({ ...options, ...otherKeys });
    expect(other.kid).not.toBe(tokens.kid);
  });

  it('reads the keys from files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'basalt-jwt-'));
    writeFileSync(join(dir, 'private.pem'), keys.privateKey);
    writeFileSync(join(dir, 'public.pem'), keys.publicKey);
    const fromFiles = await createTokenService({
      ...common,
      algorithm,
      privateKey: join(dir, 'private.pem'),
      publicKey: join(dir, 'public.pem'),
    });
    expect(fromFiles.kid).toBe(tokens.kid);
    await expect(tokens.verify(await fromFiles.issueAccess('1'), { type: 'access' })).resolves.toMatchObject({
      sub: '1',
    });
  });

  it('verifies with the public key alone and refuses to issue', async () => {
    const verifier = await createTokenService({ ...common, algorithm, publicKey: keys.publicKey });
    await expect(verifier.verify(await tokens.issueAccess('1'), { type: 'access' })).resolves.toMatchObject({
      sub: '1',
    });
    await expect(verifier.issueAccess('1')).rejects.toThrow(/only a public key/);
  });

  it('fails at creation with BASALT_CONFIG_INVALID for a missing file, no key, or a key of the wrong type', async () => {
    const wrong = await pems(algorithm === 'EdDSA' ? 'RS256' : 'EdDSA');
    for (const bad of [
      { privateKey: '/nonexistent/basalt/private.pem' },
      {},
      { privateKey: wrong.privateKey },
      { publicKey: wrong.publicKey },
    ]) {
      await expect(createTokenService({ ...common, algorithm, ...bad })).rejects.toMatchObject({
        code: 'BASALT_CONFIG_INVALID',
      });
    }
  });

  describe('verification rejects', () => {
    it('an unsigned token (alg "none")', async () => {
      const claims = decodeJwt(await tokens.issueAccess('1'));
      await expectRejected(
        tokens.verify(`${b64({ alg: 'none' })}.${b64(claims)}.`, { type: 'access' }),
        'unsigned',
      );
    });

    it('an HS256 token signed with the public key PEM (algorithm confusion)', async () => {
      const confused = await new SignJWT({
        sub: 'admin',
        iat: NOW,
        nbf: NOW,
        exp: NOW + 60,
        iss: 'basalt-test',
        aud: 'basalt-api',
        jti: 'j1',
        typ: 'access',
      })
        .setProtectedHeader({ alg: 'HS256', kid: tokens.kid })
        .sign(new TextEncoder().encode(keys.publicKey));
      await expectRejected(tokens.verify(confused, { type: 'access' }), 'algorithm');
    });

    it('a token signed by the other asymmetric algorithm', async () => {
      const other = await pems(algorithm === 'EdDSA' ? 'RS256' : 'EdDSA');
      const token = await new SignJWT({ sub: '1', typ: 'access' })
        .setProtectedHeader({ alg: algorithm === 'EdDSA' ? 'RS256' : 'EdDSA' })
        .sign(other.signer);
      await expectRejected(tokens.verify(token, { type: 'access' }), 'algorithm');
    });

    it('a token signed with another key pair', async () => {
      await expectRejected(tokens.verify(await forge({}, otherKeys.signer), { type: 'access' }), 'signature');
    });

    it('a token with a flipped signature byte', async () => {
      const [h, p, s] = (await tokens.issueAccess('1')).split('.') as [string, string, string];
      const sig = Buffer.from(s, 'base64url');
      sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 0x80;
      await expectRejected(
        tokens.verify(`${h}.${p}.${sig.toString('base64url')}`, { type: 'access' }),
        'signature',
      );
    });

    it('expired, not-yet-valid, wrong-issuer and wrong-audience tokens', async () => {
      await expectRejected(tokens.verify(await forge({ exp: NOW - 60 }), { type: 'access' }), 'expired');
      await expectRejected(
        tokens.verify(await forge({ nbf: NOW + 60 }), { type: 'access' }),
        'not-yet-valid',
      );
      await expectRejected(tokens.verify(await forge({ iss: 'evil' }), { type: 'access' }), 'issuer');
      await expectRejected(tokens.verify(await forge({ aud: 'other-api' }), { type: 'access' }), 'audience');
      await expect(tokens.verify(await forge({}), { type: 'access' })).resolves.toMatchObject({ sub: 'u1' });
    });

    it('truncated and garbage tokens', async () => {
      const token = await tokens.issueAccess('1');
      for (const bad of [
        'x',
        token.slice(0, 30),
        token.split('.').slice(0, 2).join('.'),
        '..',
        `${token}.x`,
      ]) {
        await expectRejected(tokens.verify(bad, { type: 'access' }), 'malformed');
      }
    });

    it('a refresh token used as an access token, and the reverse', async () => {
      await expectRejected(tokens.verify((await tokens.issueRefresh('1')).token, { type: 'access' }), 'type');
      await expectRejected(tokens.verify(await tokens.issueAccess('1'), { type: 'refresh' }), 'type');
    });
  });
});

describe('RS256 key checks', () => {
  it('refuses an RSA key shorter than 2048 bits at creation', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(
      createTokenService({ ...common, algorithm: 'RS256', privateKey: pem }),
    ).rejects.toMatchObject({
      code: 'BASALT_CONFIG_INVALID',
      message: expect.stringMatching(/1024 bits/),
    });
  });
});
