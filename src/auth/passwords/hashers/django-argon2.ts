import { hash, parseOptions, verify } from '@node-rs/argon2';
import type { PasswordHasher } from './hasher.js';

const PREFIX = 'argon2$';

// Django's Argon2PasswordHasher parameters (time_cost, memory_cost, parallelism).
const DJANGO_PARAMS = { timeCost: 2, memoryCost: 102400, parallelism: 8 } as const;
// Argon2id and version 0x13, as in ./argon2.ts (ambient const enums cannot be imported).
const ARGON2ID = 2;
const VERSION_0X13 = 1;

/**
 * Reads and writes Django's `Argon2PasswordHasher` format,
 * `argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>` (a PHC string behind Django's
 * `argon2` prefix), so users migrated from a Django app using argon2 keep their passwords.
 * As a legacy hasher of `createPasswordHasher`, its hashes are upgraded to Basalt's own
 * argon2id format at the next successful login.
 */
export function createDjangoArgon2Hasher(): PasswordHasher {
  return {
    algorithm: 'argon2',
    handles: (encoded) => encoded.startsWith(`${PREFIX}argon2`),
    async hash(password) {
      const encoded = await hash(password, {
        ...DJANGO_PARAMS,
        algorithm: ARGON2ID,
        version: VERSION_0X13,
      });
      return `argon2${encoded}`;
    },
    async verify(password, encoded) {
      if (!encoded.startsWith(`${PREFIX}argon2`)) return false;
      try {
        // Django stores argon2-cffi's hash without its leading `$`; argon2i and argon2d
        // hashes of older Django versions verify too.
        return await verify(`$${encoded.slice(PREFIX.length)}`, password);
      } catch {
        return false;
      }
    },
    needsRehash(encoded) {
      try {
        const parsed = parseOptions(`$${encoded.slice(PREFIX.length)}`);
        return (
          !encoded.startsWith(PREFIX) ||
          (parsed.algorithm as number) !== ARGON2ID ||
          parsed.memoryCost !== DJANGO_PARAMS.memoryCost ||
          parsed.timeCost !== DJANGO_PARAMS.timeCost ||
          parsed.parallelism !== DJANGO_PARAMS.parallelism
        );
      } catch {
        return true;
      }
    },
  };
}
