import { hash, parseOptions, verify } from '@node-rs/argon2';
import type { PasswordHasher } from './hasher.js';

/** Parameters of the argon2id hasher. */
export interface Argon2Options {
  /** Memory per lane, in KiB. Default 19456 (19 MiB). */
  memoryCost?: number;
  /** Number of passes. Default 2. */
  timeCost?: number;
  /** Degree of parallelism (lanes). Default 1. */
  parallelism?: number;
}

/**
 * Defaults from the OWASP Password Storage Cheat Sheet's first argon2id configuration:
 * m=19456 KiB (19 MiB), t=2, p=1.
 */
export const ARGON2_DEFAULTS = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const);

// `Algorithm` and `Version` are ambient const enums, which isolated modules cannot read:
// these are their documented values (Algorithm.Argon2id, Version.V0x13).
const ARGON2ID = 2;
const VERSION_0X13 = 1;

/**
 * An argon2id hasher storing the standard PHC string
 * (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
 *
 * @example
 * const hasher = createArgon2Hasher({ memoryCost: 65536, timeCost: 3 });
 * const encoded = await hasher.hash('correct horse battery staple');
 */
export function createArgon2Hasher(options: Argon2Options = {}): PasswordHasher {
  const params = {
    memoryCost: options.memoryCost ?? ARGON2_DEFAULTS.memoryCost,
    timeCost: options.timeCost ?? ARGON2_DEFAULTS.timeCost,
    parallelism: options.parallelism ?? ARGON2_DEFAULTS.parallelism,
  };
  return {
    algorithm: 'argon2id',
    handles: (encoded) => encoded.startsWith('$argon2id$'),
    hash: (password) => hash(password, { ...params, algorithm: ARGON2ID, version: VERSION_0X13 }),
    async verify(password, encoded) {
      if (!encoded.startsWith('$argon2id$')) return false;
      try {
        // The comparison of digests happens inside the native library, in constant time.
        return await verify(encoded, password);
      } catch {
        return false;
      }
    },
    needsRehash(encoded) {
      try {
        const parsed = parseOptions(encoded);
        return (
          (parsed.algorithm as number) !== ARGON2ID ||
          (parsed.version as number) !== VERSION_0X13 ||
          parsed.memoryCost !== params.memoryCost ||
          parsed.timeCost !== params.timeCost ||
          parsed.parallelism !== params.parallelism
        );
      } catch {
        return true;
      }
    },
  };
}
