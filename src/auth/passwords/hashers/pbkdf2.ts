import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { PasswordHasher } from './hasher.js';

const pbkdf2Async = promisify(pbkdf2);

/** Options of the PBKDF2-SHA256 hasher. */
export interface Pbkdf2Options {
  /** Iterations for new hashes. Default 1,000,000 (Django 5.2's value). */
  iterations?: number;
}

/** Django 5.2's iteration count for `pbkdf2_sha256`. */
export const PBKDF2_DEFAULT_ITERATIONS = 1_000_000;

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomSalt(length: number): string {
  // 62 * 4 = 248 < 256: rejecting bytes >= 248 keeps every character equally likely.
  let salt = '';
  while (salt.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && salt.length < length) salt += ALPHANUMERIC[byte % 62];
    }
  }
  return salt;
}

interface ParsedPbkdf2 {
  iterations: number;
  salt: string;
  digest: Buffer;
}

function parse(encoded: string): ParsedPbkdf2 | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 4 || parts[0] !== 'pbkdf2_sha256') return undefined;
  const [, iterationsText = '', salt = '', b64 = ''] = parts;
  if (!/^[1-9]\d{0,9}$/.test(iterationsText) || salt === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    return undefined;
  }
  const digest = Buffer.from(b64, 'base64');
  if (digest.length !== 32) return undefined;
  return { iterations: Number(iterationsText), salt, digest };
}

/**
 * A PBKDF2-HMAC-SHA256 hasher reading and writing Django's format
 * `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`, so users migrated from Django keep
 * their passwords. Use it as a legacy hasher: verified hashes are upgraded to argon2id.
 *
 * @example
 * const hasher = createPbkdf2Hasher();
 * await hasher.verify('secret', 'pbkdf2_sha256$870000$abc$...');
 */
export function createPbkdf2Hasher(options: Pbkdf2Options = {}): PasswordHasher {
  const iterations = options.iterations ?? PBKDF2_DEFAULT_ITERATIONS;
  return {
    algorithm: 'pbkdf2_sha256',
    handles: (encoded) => encoded.startsWith('pbkdf2_sha256$'),
    async hash(password) {
      const salt = randomSalt(22);
      const digest = await pbkdf2Async(password, salt, iterations, 32, 'sha256');
      return `pbkdf2_sha256$${iterations}$${salt}$${digest.toString('base64')}`;
    },
    async verify(password, encoded) {
      const parsed = parse(encoded);
      if (parsed === undefined) return false;
      try {
        const digest = await pbkdf2Async(password, parsed.salt, parsed.iterations, 32, 'sha256');
        return timingSafeEqual(digest, parsed.digest);
      } catch {
        return false;
      }
    },
    needsRehash(encoded) {
      const parsed = parse(encoded);
      return parsed === undefined || parsed.iterations !== iterations;
    },
  };
}
