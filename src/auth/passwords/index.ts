export { ARGON2_DEFAULTS, type Argon2Options, createArgon2Hasher } from './hashers/argon2.js';
export type { PasswordHasher } from './hashers/hasher.js';
export { createPbkdf2Hasher, PBKDF2_DEFAULT_ITERATIONS, type Pbkdf2Options } from './hashers/pbkdf2.js';
export {
  createPasswordHasher,
  type PasswordCheck,
  type PasswordHasherOptions,
  type PasswordHashing,
} from './password-hasher.js';
