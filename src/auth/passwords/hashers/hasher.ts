/**
 * The contract every password hasher fulfils. An encoded hash names its algorithm, so a
 * store may hold hashes from several hashers at once (see `createPasswordHasher`).
 */
export interface PasswordHasher {
  /** Identifier of the algorithm, as it appears in the encoded hash (`argon2id`, `pbkdf2_sha256`). */
  readonly algorithm: string;
  /** Hashes `password` with a fresh random salt and returns the self-describing encoded string. */
  hash(password: string): Promise<string>;
  /** True when `password` matches `encoded`; false for a mismatch or an unreadable `encoded`, never throws. */
  verify(password: string, encoded: string): Promise<boolean>;
  /** True when `encoded` was made with parameters weaker than or different from this hasher's current ones. */
  needsRehash(encoded: string): boolean;
  /** True when `encoded` looks like a hash this hasher produced (it claims the algorithm). */
  handles(encoded: string): boolean;
}
