import { pbkdf2Sync } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import {
  ARGON2_DEFAULTS,
  createArgon2Hasher,
  createDjangoArgon2Hasher,
  createPasswordHasher,
  createPbkdf2Hasher,
} from '../../../src/auth/passwords/index.js';

const fast = { memoryCost: 256, timeCost: 1, parallelism: 1 };

/** Builds a hash exactly as Django's PBKDF2PasswordHasher.encode does. */
function djangoPbkdf2(password: string, salt: string, iterations: number): string {
  const digest = pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64');
  return `pbkdf2_sha256$${iterations}$${salt}$${digest}`;
}

describe('argon2id hasher', () => {
  it('stores a PHC string with the configured parameters and verifies it', async () => {
    const hasher = createArgon2Hasher(fast);
    const encoded = await hasher.hash('correct horse');
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=256,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(await hasher.verify('correct horse', encoded)).toBe(true);
    expect(await hasher.verify('wrong horse', encoded)).toBe(false);
    expect(hasher.needsRehash(encoded)).toBe(false);
  });

  it('uses the OWASP defaults (m=19456, t=2, p=1) when given no parameters', async () => {
    expect(ARGON2_DEFAULTS).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const hasher = createArgon2Hasher();
    const encoded = await hasher.hash('secret');
    expect(encoded.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(await hasher.verify('secret', encoded)).toBe(true);
  });

  it('verifies malformed or foreign hashes as false without throwing', async () => {
    const hasher = createArgon2Hasher(fast);
    for (const encoded of [
      '',
      'garbage',
      '$argon2id$',
      '$argon2id$v=19$m=256,t=1,p=1$!!$!!',
      '$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA',
    ]) {
      expect(await hasher.verify('secret', encoded)).toBe(false);
    }
    expect(hasher.needsRehash('garbage')).toBe(true);
  });
});

describe('pbkdf2_sha256 hasher (Django format)', () => {
  it('verifies a hash built as Django builds it', async () => {
    const encoded = djangoPbkdf2('django-pass', 'seasalt1234', 1000);
    const hasher = createPbkdf2Hasher({ iterations: 1000 });
    expect(await hasher.verify('django-pass', encoded)).toBe(true);
    expect(await hasher.verify('Django-pass', encoded)).toBe(false);
    expect(hasher.needsRehash(encoded)).toBe(false);
    expect(createPbkdf2Hasher({ iterations: 2000 }).needsRehash(encoded)).toBe(true);
  });

  it('writes hashes in Django format that Django would verify', async () => {
    const encoded = await createPbkdf2Hasher({ iterations: 1000 }).hash('secret');
    const [algorithm, iterations, salt = ''] = encoded.split('$');
    expect(algorithm).toBe('pbkdf2_sha256');
    expect(iterations).toBe('1000');
    expect(encoded).toBe(djangoPbkdf2('secret', salt, 1000));
  });

  it('verifies malformed hashes as false without throwing', async () => {
    const hasher = createPbkdf2Hasher({ iterations: 1000 });
    for (const encoded of [
      'pbkdf2_sha256$',
      'pbkdf2_sha256$abc$salt$aGFzaA==',
      'pbkdf2_sha256$1000$salt$short',
      'pbkdf2_sha256$1000$$x',
      'pbkdf2_sha1$1000$salt$aGFzaA==',
    ]) {
      expect(await hasher.verify('secret', encoded)).toBe(false);
    }
  });
});

describe('createPasswordHasher', () => {
  it('checks a current argon2id hash without asking for a rehash', async () => {
    const passwords = createPasswordHasher({ argon2: fast });
    const encoded = await passwords.hash('s3cret!');
    expect(await passwords.checkPassword('s3cret!', encoded)).toEqual({ valid: true, needsRehash: false });
    expect(await passwords.checkPassword('nope', encoded)).toEqual({ valid: false, needsRehash: false });
  });

  it('asks for a rehash after the argon2id parameters change', async () => {
    const before = createPasswordHasher({ argon2: fast });
    const encoded = await before.hash('s3cret!');
    const after = createPasswordHasher({ argon2: { ...fast, memoryCost: 512 } });
    expect(after.needsRehash(encoded)).toBe(true);
    expect(await after.checkPassword('s3cret!', encoded)).toEqual({ valid: true, needsRehash: true });
    const upgraded = await after.hash('s3cret!');
    expect(await after.checkPassword('s3cret!', upgraded)).toEqual({ valid: true, needsRehash: false });
  });

  it('accepts a Django pbkdf2_sha256 hash and asks for an upgrade to argon2id', async () => {
    const passwords = createPasswordHasher({
      argon2: fast,
      legacy: [createPbkdf2Hasher({ iterations: 1000 })],
    });
    const encoded = djangoPbkdf2('from-django', 'abcdefghijkl', 1000);
    expect(await passwords.checkPassword('from-django', encoded)).toEqual({ valid: true, needsRehash: true });
    expect(await passwords.checkPassword('wrong', encoded)).toEqual({ valid: false, needsRehash: false });
  });

  it('accepts Django hashes by default and rejects them when no legacy hasher is configured', async () => {
    const encoded = djangoPbkdf2('from-django', 'abcdefghijkl', 1000);
    expect((await createPasswordHasher({ argon2: fast }).checkPassword('from-django', encoded)).valid).toBe(
      true,
    );
    expect(
      (await createPasswordHasher({ argon2: fast, legacy: [] }).checkPassword('from-django', encoded)).valid,
    ).toBe(false);
  });

  it('answers invalid, never throws, for unknown or malformed hashes', async () => {
    const passwords = createPasswordHasher({ argon2: fast });
    for (const encoded of ['', 'md5$abc$def', '$argon2id$broken', 'pbkdf2_sha256$x$y$z', '!']) {
      expect(await passwords.checkPassword('secret', encoded)).toEqual({ valid: false, needsRehash: false });
    }
  });
});

describe('argon2 hasher (Django format)', () => {
  it('verifies a hash in Django argon2 format and asks for an upgrade to argon2id', async () => {
    // Django stores `argon2` + argon2-cffi's PHC string; built here with small parameters.
    const phc = await hash('from-django', { memoryCost: 256, timeCost: 1, parallelism: 2 });
    const encoded = `argon2${phc}`;
    expect(encoded.startsWith('argon2$argon2id$v=19$m=256,t=1,p=2$')).toBe(true);
    const django = createDjangoArgon2Hasher();
    expect(await django.verify('from-django', encoded)).toBe(true);
    expect(await django.verify('wrong', encoded)).toBe(false);
    expect(await django.verify('from-django', 'argon2$argon2id$broken')).toBe(false);
    const passwords = createPasswordHasher({ argon2: fast });
    expect(await passwords.checkPassword('from-django', encoded)).toEqual({ valid: true, needsRehash: true });
  });

  it("writes Django's argon2 format with Django's parameters", async () => {
    const django = createDjangoArgon2Hasher();
    const encoded = await django.hash('secret');
    expect(encoded.startsWith('argon2$argon2id$v=19$m=102400,t=2,p=8$')).toBe(true);
    expect(await django.verify('secret', encoded)).toBe(true);
    expect(django.needsRehash(encoded)).toBe(false);
  });
});
