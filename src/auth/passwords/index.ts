export { ARGON2_DEFAULTS, type Argon2Options, createArgon2Hasher } from './hashers/argon2.js';
export { createDjangoArgon2Hasher } from './hashers/django-argon2.js';
export type { PasswordHasher } from './hashers/hasher.js';
export { createPbkdf2Hasher, PBKDF2_DEFAULT_ITERATIONS, type Pbkdf2Options } from './hashers/pbkdf2.js';
export { normalizePassword } from './normalize.js';
export {
  createPasswordHasher,
  type PasswordCheck,
  type PasswordHasherOptions,
  type PasswordHashing,
} from './password-hasher.js';
export { similarityRatio } from './similarity.js';
export {
  createPasswordTokens,
  type PasswordTokens,
  type PasswordTokensOptions,
  type PasswordTokenUser,
} from './tokens.js';
export {
  commonPasswordValidator,
  defaultPasswordValidators,
  minimumLengthValidator,
  numericPasswordValidator,
  type PasswordUserAttributes,
  type PasswordValidator,
  passwordProblems,
  patternPasswordValidator,
  type UserAttributeSimilarityOptions,
  userAttributeSimilarityValidator,
  type ValidatePasswordOptions,
  validatePassword,
} from './validators.js';
