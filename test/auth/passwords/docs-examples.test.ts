import { describe, expect, it } from 'vitest';
import {
  createPasswordHasher,
  createPasswordTokens,
  validatePassword,
} from '../../../src/auth/passwords/index.js';
import { isBasaltError } from '../../../src/core/index.js';

// The examples of docs/passwords.md, run (with a small memoryCost where the docs use defaults).
const fast = { memoryCost: 256, timeCost: 1 };

describe('docs/passwords.md', () => {
  it('hashes and checks a password', async () => {
    const passwords = createPasswordHasher({ argon2: fast });
    const encoded = await passwords.hash('tectonic-basalt-columns');
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=256,t=1,p=1\$/);
    const { valid, needsRehash } = await passwords.checkPassword('tectonic-basalt-columns', encoded);
    expect({ valid, needsRehash }).toEqual({ valid: true, needsRehash: false });
  });

  it('upgrades a hash made with older parameters at login', async () => {
    const input = 'tectonic-basalt-columns';
    const user = { password: await createPasswordHasher({ argon2: fast }).hash(input) };
    const passwords = createPasswordHasher({ argon2: { memoryCost: 512, timeCost: 2 } });
    const check = await passwords.checkPassword(input, user.password);
    expect(check.valid).toBe(true);
    if (check.needsRehash) user.password = await passwords.hash(input);
    expect(user.password).toMatch(/^\$argon2id\$v=19\$m=512,t=2,p=1\$/);
    expect(passwords.needsRehash(user.password)).toBe(false);
  });

  it('reports every failing rule', () => {
    let error: unknown;
    try {
      validatePassword('123456', { user: { username: 'alice', email: 'alice@example.com' } });
    } catch (caught) {
      error = caught;
    }
    expect(isBasaltError(error) && error.errors?.map((e) => e.code)).toEqual([
      'password_too_short',
      'password_too_common',
      'password_entirely_numeric',
      'password_too_predictable',
    ]);
  });

  it('makes a reset token that the new password kills', async () => {
    const passwords = createPasswordHasher({ argon2: fast });
    const user = { id: 42, password: await passwords.hash('old-password-1'), lastLogin: null };
    const tokens = createPasswordTokens({ secret: 'docs-secret-0123456789', maxAgeSeconds: 3600 });
    const token = tokens.make(user);
    expect(tokens.check(user, token)).toBe(true);
    user.password = await passwords.hash('new-password-2');
    expect(tokens.check(user, token)).toBe(false);
  });
});
