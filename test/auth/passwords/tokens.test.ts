import { describe, expect, it } from 'vitest';
import { createPasswordTokens, type PasswordTokenUser } from '../../../src/auth/passwords/index.js';
import { isBasaltError } from '../../../src/core/index.js';

const secret = 'test-secret-key-0123456789abcdef';
const start = Date.UTC(2026, 0, 1, 12, 0, 0);

function clock() {
  let current = start;
  return {
    now: () => current,
    advance: (seconds: number) => {
      current += seconds * 1000;
    },
  };
}

const alice: PasswordTokenUser = {
  id: 1,
  password: '$argon2id$v=19$m=256,t=1,p=1$c2FsdA$aGFzaA',
  lastLogin: new Date(Date.UTC(2025, 11, 31)),
  email: 'alice@example.com',
};

describe('createPasswordTokens', () => {
  it('accepts a fresh token for the same user', () => {
    const tokens = createPasswordTokens({ secret, now: clock().now });
    const token = tokens.make(alice);
    expect(token).toMatch(/^[0-9a-z]+-[A-Za-z0-9_-]{43}$/);
    expect(tokens.check(alice, token)).toBe(true);
  });

  it('refuses a token older than maxAgeSeconds', () => {
    const time = clock();
    const tokens = createPasswordTokens({ secret, maxAgeSeconds: 3600, now: time.now });
    const token = tokens.make(alice);
    time.advance(3600);
    expect(tokens.check(alice, token)).toBe(true);
    time.advance(1);
    expect(tokens.check(alice, token)).toBe(false);
  });

  it('expires after 3 days by default', () => {
    const time = clock();
    const tokens = createPasswordTokens({ secret, now: time.now });
    const token = tokens.make(alice);
    time.advance(3 * 24 * 3600 + 1);
    expect(tokens.check(alice, token)).toBe(false);
  });

  it('refuses a token once the password has changed (the token was used)', () => {
    const tokens = createPasswordTokens({ secret, now: clock().now });
    const token = tokens.make(alice);
    const afterReset = { ...alice, password: '$argon2id$v=19$m=256,t=1,p=1$bmV3$bmV3aGFzaA' };
    expect(tokens.check(afterReset, token)).toBe(false);
  });

  it('refuses a token after a later login or an email change', () => {
    const tokens = createPasswordTokens({ secret, now: clock().now });
    const token = tokens.make(alice);
    expect(tokens.check({ ...alice, lastLogin: new Date(start) }, token)).toBe(false);
    expect(tokens.check({ ...alice, email: 'mallory@example.com' }, token)).toBe(false);
  });

  it('accepts a token for a user who never logged in until they do', () => {
    const tokens = createPasswordTokens({ secret, now: clock().now });
    const fresh = { ...alice, lastLogin: null };
    const token = tokens.make(fresh);
    expect(tokens.check(fresh, token)).toBe(true);
    expect(tokens.check({ ...fresh, lastLogin: new Date(start) }, token)).toBe(false);
  });

  it("refuses another user's token", () => {
    const tokens = createPasswordTokens({ secret, now: clock().now });
    const bob = { ...alice, id: 2 };
    expect(tokens.check(bob, tokens.make(alice))).toBe(false);
    expect(tokens.check({ ...alice, id: '1' }, tokens.make(alice))).toBe(true);
  });

  it('refuses tampered tokens: changed timestamp, changed signature, other secret', () => {
    const time = clock();
    const tokens = createPasswordTokens({ secret, maxAgeSeconds: 60, now: time.now });
    const token = tokens.make(alice);
    const [stamp = '', mac = ''] = token.split('-');
    time.advance(120);
    const renewed = `${(Number.parseInt(stamp, 36) + 120).toString(36)}-${mac}`;
    expect(tokens.check(alice, renewed)).toBe(false);
    time.advance(-120);
    const flipped = `${stamp}-${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    expect(tokens.check(alice, flipped)).toBe(false);
    const other = createPasswordTokens({ secret: 'another-secret-0123456789', now: time.now });
    expect(other.check(alice, token)).toBe(false);
  });

  it('separates purposes', () => {
    const reset = createPasswordTokens({ secret, now: clock().now });
    const verify = createPasswordTokens({ secret, purpose: 'email-verification', now: clock().now });
    expect(verify.check(alice, reset.make(alice))).toBe(false);
  });

  it('accepts tokens signed with a fallback secret during rotation', () => {
    const old = createPasswordTokens({ secret: 'old-secret-0123456789', now: clock().now });
    const rotated = createPasswordTokens({
      secret,
      fallbackSecrets: ['old-secret-0123456789'],
      now: clock().now,
    });
    expect(rotated.check(alice, old.make(alice))).toBe(true);
  });

  it('answers false for malformed tokens without throwing', () => {
    const tokens = createPasswordTokens({ secret, now: clock().now });
    for (const token of [
      '',
      '-',
      'abc',
      'zz-',
      '-abc',
      'a-b-c',
      `!!-${'A'.repeat(43)}`,
      `1-${'A'.repeat(42)}`,
      `${'z'.repeat(12)}-${'A'.repeat(43)}`,
      null,
      42,
      undefined,
    ]) {
      expect(tokens.check(alice, token)).toBe(false);
    }
  });

  it('refuses a short secret with BASALT_CONFIG_INVALID', () => {
    let error: unknown;
    try {
      createPasswordTokens({ secret: 'short' });
    } catch (caught) {
      error = caught;
    }
    expect(isBasaltError(error) && error.code).toBe('BASALT_CONFIG_INVALID');
  });
});
