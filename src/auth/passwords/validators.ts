import { type FieldError, ValidationError } from '../../core/index.js';
import { isKeyboardWalk, isRepetition } from '../../internal/guessable.js';
import { defaultCommonPasswords } from './common-passwords.js';
import { normalizePassword } from './normalize.js';
import { similarityRatio } from './similarity.js';

/** The user fields validators may compare a password with. */
export interface PasswordUserAttributes {
  username?: string | null;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  [attribute: string]: unknown;
}

/** One password rule. `validate` returns the problem, or `undefined` when the password passes. */
export interface PasswordValidator {
  /** Stable code of the rule's failure, e.g. `password_too_short`. */
  readonly code: string;
  /** The rule in a sentence, for help texts under a password field. */
  readonly help: string;
  validate(password: string, user?: PasswordUserAttributes): string | undefined;
}

/**
 * Rejects passwords shorter than `min` characters (default 8).
 *
 * @example
 * minimumLengthValidator({ min: 12 });
 */
export function minimumLengthValidator(options: { min?: number } = {}): PasswordValidator {
  const min = options.min ?? 8;
  const characters = min === 1 ? 'character' : 'characters';
  return {
    code: 'password_too_short',
    help: `Your password must contain at least ${min} ${characters}.`,
    validate: (password) =>
      // Count code points, not UTF-16 units, so that "é" or an emoji is one character.
      [...password].length < min
        ? `This password is too short. It must contain at least ${min} ${characters}.`
        : undefined,
  };
}

/**
 * Rejects passwords found in a list of common passwords, compared case-insensitively.
 * The default list is the ~50,000 common passwords shipped with Basalt (zxcvbn's list, a
 * superset of Django's 20,000).
 *
 * @example
 * commonPasswordValidator({ passwords: ['basalt', 'basalt123'] });
 */
export function commonPasswordValidator(options: { passwords?: Iterable<string> } = {}): PasswordValidator {
  const custom =
    options.passwords === undefined
      ? undefined
      : new Set([...options.passwords].map((entry) => normalizePassword(entry).trim().toLowerCase()));
  return {
    code: 'password_too_common',
    help: 'Your password can’t be a commonly used password.',
    validate(password) {
      const list = custom ?? defaultCommonPasswords();
      return list.has(normalizePassword(password).trim().toLowerCase())
        ? 'This password is too common.'
        : undefined;
    },
  };
}

/** Options of {@link userAttributeSimilarityValidator}. */
export interface UserAttributeSimilarityOptions {
  /**
   * Attributes compared, with the name used in the message. Default: username, email
   * (its local part), first name, last name.
   */
  attributes?: Readonly<Record<string, string>>;
  /** Similarity ratio (0–1) from which a password is rejected. Default 0.7; at least 0.1. */
  maxSimilarity?: number;
}

const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = {
  username: 'username',
  email: 'email address',
  firstName: 'first name',
  lastName: 'last name',
};

function attributeParts(name: string, value: string): string[] {
  let lower = value.toLowerCase();
  if (name === 'email') lower = lower.split('@')[0] ?? lower;
  return [...lower.split(/[^\p{L}\p{N}_]+/u), lower].filter((part) => part !== '');
}

/**
 * Rejects passwords too similar to the user's own attributes (Django's
 * UserAttributeSimilarityValidator): the password and each attribute — whole, and split
 * on non-word characters — are compared with {@link similarityRatio}.
 *
 * @example
 * userAttributeSimilarityValidator({ maxSimilarity: 0.5 });
 */
export function userAttributeSimilarityValidator(
  options: UserAttributeSimilarityOptions = {},
): PasswordValidator {
  const attributes = options.attributes ?? DEFAULT_ATTRIBUTES;
  const maxSimilarity = options.maxSimilarity ?? 0.7;
  if (!(maxSimilarity >= 0.1)) {
    throw new RangeError('maxSimilarity must be at least 0.1');
  }
  return {
    code: 'password_too_similar',
    help: 'Your password can’t be too similar to your other personal information.',
    validate(password, user) {
      if (user === undefined) return undefined;
      const lower = password.toLowerCase();
      for (const [name, label] of Object.entries(attributes)) {
        const value = user[name];
        if (typeof value !== 'string' || value === '') continue;
        for (const part of attributeParts(name, value)) {
          // The ratio cannot exceed 2·min(lengths)/total: skipping parts that cannot reach it
          // also bounds the cost of very long passwords.
          const bound = (2 * Math.min(part.length, lower.length)) / (part.length + lower.length);
          if (bound < maxSimilarity) continue;
          if (similarityRatio(lower, part) >= maxSimilarity) {
            return `The password is too similar to the ${label}.`;
          }
        }
      }
      return undefined;
    },
  };
}

/** Rejects passwords made only of digits. */
export function numericPasswordValidator(): PasswordValidator {
  return {
    code: 'password_entirely_numeric',
    help: 'Your password can’t be entirely numeric.',
    validate: (password) => (/^\p{Nd}+$/u.test(password) ? 'This password is entirely numeric.' : undefined),
  };
}

/**
 * Rejects passwords typed as a keyboard walk or a sequence (`qwertyuiop`, `1qaz2wsx`,
 * `zaq12wsx`, `abcdefgh`, `98765432`) or made of a repeated short unit (`aaaaaaaa`,
 * `abcabcabcabc`, `xyxyxyxy`): the first patterns a guesser tries, whatever the list.
 */
export function patternPasswordValidator(): PasswordValidator {
  return {
    code: 'password_too_predictable',
    help: 'Your password can’t be a keyboard pattern, a sequence or a repetition.',
    validate(password) {
      if (isKeyboardWalk(password)) return 'This password is a keyboard pattern or a sequence.';
      if (isRepetition(password)) return 'This password repeats the same few characters.';
      return undefined;
    },
  };
}

/** The validators used when none are given: Django's four defaults and the pattern check. */
export function defaultPasswordValidators(): PasswordValidator[] {
  return [
    userAttributeSimilarityValidator(),
    minimumLengthValidator(),
    commonPasswordValidator(),
    numericPasswordValidator(),
    patternPasswordValidator(),
  ];
}

/** Options of {@link validatePassword}. */
export interface ValidatePasswordOptions {
  /** The user the password is for, compared by the similarity validator. */
  user?: PasswordUserAttributes;
  /** Validators to run instead of {@link defaultPasswordValidators}. */
  validators?: readonly PasswordValidator[];
  /** JSON pointer of the field in the errors. Default `/password`. */
  pointer?: string;
}

/**
 * Every failing rule for `password`, as field errors; an empty array when it passes. The
 * password is NFKC-normalised first, as it is before hashing.
 *
 * @example
 * passwordProblems('1234'); // [{ pointer: '/password', code: 'password_too_short', ... }, ...]
 */
export function passwordProblems(password: string, options: ValidatePasswordOptions = {}): FieldError[] {
  const pointer = options.pointer ?? '/password';
  const problems: FieldError[] = [];
  const normalized = normalizePassword(password);
  for (const validator of options.validators ?? defaultPasswordValidators()) {
    const detail = validator.validate(normalized, options.user);
    if (detail !== undefined) problems.push({ pointer, detail, code: validator.code });
  }
  return problems;
}

/**
 * Runs every validator and throws one {@link ValidationError} listing all the failing rules.
 *
 * @example
 * validatePassword(body.password, { user: { username: body.username, email: body.email } });
 */
export function validatePassword(password: string, options: ValidatePasswordOptions = {}): void {
  const problems = passwordProblems(password, options);
  if (problems.length > 0) {
    throw new ValidationError(problems, 'The password does not meet the password rules');
  }
}
