import { defineApp } from 'basalt';
import type { TokenPair } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../../examples/bookshop/app.js';
import { weakSecretKeyReason } from '../../../src/app/builtin-checks.js';
import { createApp } from '../../../src/app/index.js';
import { defaultCommonPasswords } from '../../../src/auth/passwords/common-passwords.js';
import { createPbkdf2Hasher } from '../../../src/auth/passwords/hashers/pbkdf2.js';
import {
  createPasswordHasher,
  normalizePassword,
  passwordProblems,
  patternPasswordValidator,
} from '../../../src/auth/passwords/index.js';
import { isBasaltError } from '../../../src/core/index.js';

const NFC = 'caf\u00e9 au lait sur la plage';
const NFD = 'cafe\u0301 au lait sur la plage';

describe('the common-password list', () => {
  it('has more than 20,000 entries, password123 among them', () => {
    const list = defaultCommonPasswords();
    expect(list.size).toBeGreaterThan(20_000);
    expect(list.has('password123')).toBe(true);
  });

  it('refuses password123 with the default validators', () => {
    expect(passwordProblems('password123').map((p) => p.code)).toContain('password_too_common');
    expect(passwordProblems('Password123').map((p) => p.code)).toContain('password_too_common');
  });
});

describe('patternPasswordValidator', () => {
  const validator = patternPasswordValidator();
  it.each([
    'qwertyuiop',
    'QWERTYUIOP',
    '1qaz2wsx3edc',
    'zaq12wsxcde3',
    'asdfghjkl;',
    'abcdefghij',
    '9876543210',
    'qwertyasdfgh',
    'aaaaaaaaaa',
    'abababababab',
    'xyzxyzxyzxyz',
    'qqwweerrttyy',
    '!@#$%^&*()_+',
  ])('refuses %s', (password) => {
    expect(validator.validate(password)).toBeDefined();
  });

  it.each([
    'correct horse battery staple',
    'tectonic-basalt-columns',
    'Tr0ub4dor&3x',
    'a long and decent password',
    'g7#kP2!vQm9z',
  ])('accepts %s', (password) => {
    expect(validator.validate(password)).toBeUndefined();
  });

  it('runs with the defaults, with its own code', () => {
    expect(passwordProblems('zxcvbnmasdfg').map((p) => p.code)).toContain('password_too_predictable');
  });
});

describe('Unicode normalisation', () => {
  it('hashes NFKC: a password set in NFC checks in NFD, and full-width digits as ASCII', async () => {
    const hasher = createPasswordHasher({ argon2: { memoryCost: 1024, timeCost: 1 } });
    const stored = await hasher.hash(NFC);
    expect(await hasher.checkPassword(NFD, stored)).toEqual({ valid: true, needsRehash: false });
    expect(await hasher.checkPassword(normalizePassword(NFD), stored)).toMatchObject({ valid: true });
    const digits = await hasher.hash('pass\uff11\uff12\uff13word');
    expect((await hasher.checkPassword('pass123word', digits)).valid).toBe(true);
    expect((await hasher.checkPassword('cafe au lait sur la plage', stored)).valid).toBe(false);
  });

  it('accepts a hash of the password as typed (made before normalisation), asking for a rehash', async () => {
    const legacy = createPbkdf2Hasher({ iterations: 1000 });
    const hasher = createPasswordHasher({ argon2: { memoryCost: 1024, timeCost: 1 }, legacy: [legacy] });
    const stored = await legacy.hash(NFD);
    expect(await hasher.checkPassword(NFD, stored)).toEqual({ valid: true, needsRehash: true });
    expect((await hasher.checkPassword('wrong', stored)).valid).toBe(false);
  });

  describe('through the bookshop', () => {
    let client: TestClient<typeof bookshop.routes>;
    beforeAll(async () => {
      client = await createTestClient(bookshop);
    });
    afterAll(() => client.close());

    it('signs up with NFC café and signs in with NFD café', async () => {
      const signed = await client.request({
        method: 'POST',
        url: '/api/signup',
        payload: { name: 'Zoé', email: 'zoe@shop.test', password: NFC },
        remoteAddress: '10.9.0.1',
      });
      expect(signed.status).toBe(201);
      const login = await client.request({
        method: 'POST',
        url: '/auth/token',
        payload: { email: 'zoe@shop.test', password: NFD },
      });
      expect(login.status).toBe(200);
      expect((login.body as TokenPair).access).toEqual(expect.any(String));
    });

    it('refuses password123 and a keyboard walk at sign-up, naming the field', async () => {
      for (const [password, code] of [
        ['password123', 'password_too_common'],
        ['1qaz2wsx3edc4rfv', 'password_too_predictable'],
      ] as const) {
        const res = await client.request({
          method: 'POST',
          url: '/api/signup',
          payload: { name: 'Mallory', email: `m-${code}@shop.test`, password },
          remoteAddress: '10.9.0.2',
        });
        expect(res.status).toBe(400);
        const errors = (res.body as { errors: { pointer: string; code: string }[] }).errors;
        expect(errors).toContainEqual(expect.objectContaining({ pointer: '/body/password', code }));
      }
    });
  });
});

describe('SECRET_KEY in production', () => {
  it.each([
    ['changeme'.repeat(4), 'looks like a placeholder'],
    ['django-insecure-0123456789abcdefghijklmnop', 'looks like a placeholder'],
    ['please-replace-me-with-something-long', 'looks like a placeholder'],
    ['abcdabcdabcdabcdabcdabcdabcdabcdabcd', 'has fewer than 8 distinct characters'],
    ['qwertyuiopasdfghjklzxcvbnm1234567890', 'is a keyboard walk or a sequence'],
    ['abcdefghijklmnopqrstuvwxyz0123456789', 'is a keyboard walk or a sequence'],
    ['k3J9xQ2vk3J9xQ2vk3J9xQ2vk3J9xQ2v', 'repeats a short unit'],
    [`${'a'.repeat(32)}k3J9xQ2v`, 'has low entropy'],
  ])('refuses %s (%s)', (key, reason) => {
    expect(weakSecretKeyReason(key)).toBe(reason);
  });

  it('accepts generated keys (base64url and hex)', () => {
    expect(weakSecretKeyReason('k3J9xQ2vLmP8wR5tY7uZ1aB4cD6eF0gHiJ-_sN')).toBeUndefined();
    expect(weakSecretKeyReason('9f86d081884c7d659a2feaa0c55ad015')).toBeUndefined();
  });

  it('refuses to start an app with a placeholder key, with core.E001', async () => {
    const app = await createApp(defineApp({ name: 'keys' }), {
      env: { NODE_ENV: 'production', SECRET_KEY: 'changeme'.repeat(4) },
      envFile: false,
    });
    const error = await app.start().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    await app.stop();
    expect(isBasaltError(error) && error.code).toBe('BASALT_CHECK_FAILED');
    expect((error as Error).message).toContain('core.E001');
  });
});
