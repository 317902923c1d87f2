import { type Argon2Options, createArgon2Hasher } from './hashers/argon2.js';
import { createDjangoArgon2Hasher } from './hashers/django-argon2.js';
import type { PasswordHasher } from './hashers/hasher.js';
import { createPbkdf2Hasher } from './hashers/pbkdf2.js';
import { normalizePassword } from './normalize.js';

/** Options of {@link createPasswordHasher}. */
export interface PasswordHasherOptions {
  /** Parameters of the argon2id hasher used for every new hash. */
  argon2?: Argon2Options;
  /**
   * Hashers whose hashes are still accepted, then upgraded. Defaults to Django's
   * `pbkdf2_sha256` and `argon2` formats; pass `[]` to accept argon2id only.
   */
  legacy?: PasswordHasher[];
}

/** The answer of {@link PasswordHashing.checkPassword}. */
export interface PasswordCheck {
  /** The password matches the stored hash. */
  valid: boolean;
  /**
   * The password matches, but the hash was made by another algorithm or with other argon2id
   * parameters: store `await hash(password)` in its place now.
   */
  needsRehash: boolean;
}

/** The configured password hashing of an app: new hashes in argon2id, older ones accepted. */
export interface PasswordHashing {
  /** The hasher of new hashes (argon2id). */
  readonly preferred: PasswordHasher;
  /** Hashes a password, NFKC-normalised, with the preferred hasher. */
  hash(password: string): Promise<string>;
  /**
   * Checks a password, NFKC-normalised, against any hash a configured hasher understands;
   * never throws. A hash made from the password as typed (before Basalt normalised) still
   * matches, and then needs a rehash.
   */
  checkPassword(password: string, encoded: string): Promise<PasswordCheck>;
  /** True when `encoded` is not an argon2id hash with the configured parameters. */
  needsRehash(encoded: string): boolean;
}

/**
 * Creates the password hashing of an app.
 *
 * @example
 * const passwords = createPasswordHasher({ argon2: { memoryCost: 65536 } });
 * const { valid, needsRehash } = await passwords.checkPassword(input, user.password);
 * if (valid && needsRehash) user.password = await passwords.hash(input);
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHashing {
  const preferred = createArgon2Hasher(options.argon2);
  const hashers = [preferred, ...(options.legacy ?? [createPbkdf2Hasher(), createDjangoArgon2Hasher()])];
  return {
    preferred,
    hash: (password) => preferred.hash(normalizePassword(password)),
    async checkPassword(password, encoded) {
      if (typeof password !== 'string' || typeof encoded !== 'string') {
        return { valid: false, needsRehash: false };
      }
      const hasher = hashers.find((candidate) => candidate.handles(encoded));
      if (hasher === undefined) return { valid: false, needsRehash: false };
      const normalized = normalizePassword(password);
      if (await hasher.verify(normalized, encoded)) {
        return { valid: true, needsRehash: hasher !== preferred || preferred.needsRehash(encoded) };
      }
      // Hashes stored before normalisation (or imported from Django, which does not
      // normalise) hold the password as typed: accept it once more and have it rehashed.
      if (normalized !== password && (await hasher.verify(password, encoded))) {
        return { valid: true, needsRehash: true };
      }
      return { valid: false, needsRehash: false };
    },
    needsRehash: (encoded) => !preferred.handles(encoded) || preferred.needsRehash(encoded),
  };
}
