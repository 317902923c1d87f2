import { describe, expect, it } from 'vitest';
import {
  commonPasswordValidator,
  minimumLengthValidator,
  numericPasswordValidator,
  passwordProblems,
  similarityRatio,
  userAttributeSimilarityValidator,
  validatePassword,
} from '../../../src/auth/passwords/index.js';
import { isBasaltError } from '../../../src/core/index.js';

function thrown(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('similarityRatio', () => {
  it('is 1 for equal strings, 0 for disjoint ones, and 2·LCS/total otherwise', () => {
    expect(similarityRatio('abc', 'abc')).toBe(1);
    expect(similarityRatio('abc', 'xyz')).toBe(0);
    expect(similarityRatio('', '')).toBe(1);
    // LCS("abcd", "bcde") = "bcd"
    expect(similarityRatio('abcd', 'bcde')).toBeCloseTo(6 / 8);
    expect(similarityRatio('alice1990', 'alice')).toBeCloseTo(10 / 14);
  });
});

describe('minimumLengthValidator', () => {
  it('rejects a password shorter than 8 characters by default', () => {
    const validator = minimumLengthValidator();
    expect(validator.validate('seven77')).toBe(
      'This password is too short. It must contain at least 8 characters.',
    );
    expect(validator.validate('eight888')).toBeUndefined();
  });

  it('counts characters, not UTF-16 code units, and honours a custom minimum', () => {
    const validator = minimumLengthValidator({ min: 3 });
    expect(validator.validate('😀😀')).toBeDefined();
    expect(validator.validate('😀😀😀')).toBeUndefined();
  });
});

describe('commonPasswordValidator', () => {
  it('rejects passwords of the shipped list, whatever their case', () => {
    const validator = commonPasswordValidator();
    expect(validator.validate('password')).toBe('This password is too common.');
    expect(validator.validate('QWERTY')).toBe('This password is too common.');
    expect(validator.validate(' letmein ')).toBe('This password is too common.');
    expect(validator.validate('tectonic-basalt-columns')).toBeUndefined();
  });

  it('uses a custom list when given one', () => {
    const validator = commonPasswordValidator({ passwords: ['Basalt'] });
    expect(validator.validate('basalt')).toBeDefined();
    expect(validator.validate('password')).toBeUndefined();
  });
});

describe('userAttributeSimilarityValidator', () => {
  const user = {
    username: 'alice',
    email: 'wonder.land@example.com',
    firstName: 'Alice',
    lastName: 'Liddell',
  };

  it('rejects passwords too similar to the username, email local part or names', () => {
    const validator = userAttributeSimilarityValidator();
    expect(validator.validate('Alice1990', user)).toBe('The password is too similar to the username.');
    expect(validator.validate('wonderland', user)).toBe('The password is too similar to the email address.');
    expect(validator.validate('liddell99', user)).toBe('The password is too similar to the last name.');
  });

  it('accepts unrelated passwords, and any password without a user', () => {
    const validator = userAttributeSimilarityValidator();
    expect(validator.validate('tectonic-basalt-columns', user)).toBeUndefined();
    expect(validator.validate('alice', undefined)).toBeUndefined();
  });

  it('does not compare with the email domain', () => {
    const validator = userAttributeSimilarityValidator();
    expect(validator.validate('example.com', { email: 'zz@example.com' })).toBeUndefined();
  });

  it('honours a custom max similarity and refuses one below 0.1', () => {
    expect(
      userAttributeSimilarityValidator({ maxSimilarity: 0.9 }).validate('alice1990', user),
    ).toBeUndefined();
    expect(() => userAttributeSimilarityValidator({ maxSimilarity: 0 })).toThrow(RangeError);
  });
});

describe('numericPasswordValidator', () => {
  it('rejects an entirely numeric password', () => {
    const validator = numericPasswordValidator();
    expect(validator.validate('20261124')).toBe('This password is entirely numeric.');
    expect(validator.validate('2026-11-24')).toBeUndefined();
  });
});

describe('validatePassword', () => {
  it('passes a strong password silently', () => {
    expect(() => validatePassword('tectonic-basalt-columns', { user: { username: 'alice' } })).not.toThrow();
  });

  it('throws one ValidationError listing every failing rule under /password', () => {
    const error = thrown(() => validatePassword('123456'));
    expect(isBasaltError(error)).toBe(true);
    if (!isBasaltError(error)) return;
    expect(error.code).toBe('BASALT_VALIDATION_FAILED');
    expect(error.status).toBe(400);
    expect(error.errors).toEqual([
      {
        pointer: '/password',
        code: 'password_too_short',
        detail: 'This password is too short. It must contain at least 8 characters.',
      },
      { pointer: '/password', code: 'password_too_common', detail: 'This password is too common.' },
      {
        pointer: '/password',
        code: 'password_entirely_numeric',
        detail: 'This password is entirely numeric.',
      },
      {
        pointer: '/password',
        code: 'password_too_predictable',
        detail: 'This password is a keyboard pattern or a sequence.',
      },
    ]);
  });

  it('includes the similarity failure when given the user', () => {
    const codes = passwordProblems('alicez', { user: { username: 'alice' } }).map((p) => p.code);
    expect(codes).toEqual(['password_too_similar', 'password_too_short']);
  });

  it('runs only the validators given, at a custom pointer', () => {
    expect(
      passwordProblems('123', { validators: [numericPasswordValidator()], pointer: '/body/newPassword' }),
    ).toEqual([
      {
        pointer: '/body/newPassword',
        code: 'password_entirely_numeric',
        detail: 'This password is entirely numeric.',
      },
    ]);
  });
});
