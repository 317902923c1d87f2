import { createHmac, timingSafeEqual } from 'node:crypto';
import { BasaltError } from '../../core/index.js';

/** What a token is bound to: changing any of these invalidates the user's outstanding tokens. */
export interface PasswordTokenUser {
  id: string | number | bigint;
  /** The stored password hash. A password change makes the token unusable. */
  password: string;
  /** A login after the token was made makes it unusable. */
  lastLogin?: Date | null;
  /** An email change makes the token unusable. */
  email?: string | null;
}

/** Options of {@link createPasswordTokens}. */
export interface PasswordTokensOptions {
  /** The signing secret (the app's SECRET_KEY); at least 16 characters. */
  secret: string;
  /** Older secrets still accepted by `check`, for key rotation. */
  fallbackSecrets?: readonly string[];
  /** How long a token stays valid, in seconds. Default 259,200 (3 days, as Django). */
  maxAgeSeconds?: number;
  /** Separates token kinds (`password-reset`, `email-verification`): one never passes for another. */
  purpose?: string;
  /** The clock, in milliseconds since the epoch; injected by tests. Default `Date.now`. */
  now?: () => number;
}

/** Makes and checks signed, expiring, single-use tokens for a user. */
export interface PasswordTokens {
  /** A token for `user`, valid until it expires, the password changes or the user logs in. */
  make(user: PasswordTokenUser): string;
  /** True only for a token made by `make` for this same user state, not expired; never throws. */
  check(user: PasswordTokenUser, token: unknown): boolean;
}

const TOKEN_PATTERN = /^([0-9a-z]{1,11})-([A-Za-z0-9_-]{43})$/;

/**
 * Password reset tokens, after Django's PasswordResetTokenGenerator: `<timestamp>-<HMAC>`,
 * where the HMAC-SHA256 covers the user id, the current password hash, the last login,
 * the email and the timestamp. Nothing is stored: a used token dies because using it
 * changes the password (or logs the user in).
 *
 * @example
 * const tokens = createPasswordTokens({ secret: env.SECRET_KEY, maxAgeSeconds: 3600 });
 * const token = tokens.make(user); // sent by email
 * if (!tokens.check(user, token)) throw new ValidationError([...]);
 */
export function createPasswordTokens(options: PasswordTokensOptions): PasswordTokens {
  const secrets = [options.secret, ...(options.fallbackSecrets ?? [])];
  if (secrets.some((secret) => typeof secret !== 'string' || secret.length < 16)) {
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      'Password tokens need a secret of at least 16 characters (use the SECRET_KEY)',
    );
  }
  const maxAgeSeconds = options.maxAgeSeconds ?? 259_200;
  const purpose = options.purpose ?? 'password-reset';
  const now = options.now ?? Date.now;

  function sign(secret: string, user: PasswordTokenUser, timestamp: number): Buffer {
    // JSON keeps the fields unambiguous: no id/hash pair can imitate another by shifting characters.
    const payload = JSON.stringify([
      'basalt.auth.tokens',
      purpose,
      String(user.id),
      user.password,
      user.lastLogin ? Math.floor(user.lastLogin.getTime() / 1000) : null,
      user.email ?? null,
      timestamp,
    ]);
    return createHmac('sha256', secret).update(payload).digest();
  }

  return {
    make(user) {
      const timestamp = Math.floor(now() / 1000);
      return `${timestamp.toString(36)}-${sign(options.secret, user, timestamp).toString('base64url')}`;
    },
    check(user, token) {
      if (typeof token !== 'string') return false;
      const match = TOKEN_PATTERN.exec(token);
      if (match === null) return false;
      const [, stamp = '', mac = ''] = match;
      const timestamp = Number.parseInt(stamp, 36);
      const given = Buffer.from(mac, 'base64url');
      if (given.length !== 32) return false;
      let valid = false;
      for (const secret of secrets) {
        // Every secret is tried, so the time taken does not reveal which one matched.
        if (timingSafeEqual(sign(secret, user, timestamp), given)) valid = true;
      }
      const age = Math.floor(now() / 1000) - timestamp;
      return valid && age <= maxAgeSeconds;
    },
  };
}
