import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/http/rate-limit/index.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['1m', 60_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    [1500, 1500],
  ] as const)('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    '',
    'soon',
    '1',
    '1 m',
    '1.5m',
    '-1m',
    '0s',
    '1w',
    '1M',
    'm',
  ])('refuses the string %j', (input) => {
    expect(() => parseDuration(input)).toThrow(TypeError);
    expect(() => parseDuration(input)).toThrow(/expected a positive integer followed by ms, s, m, h or d/);
  });

  it.each([0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses the number %d', (input) => {
    expect(() => parseDuration(input)).toThrow(/must be a positive integer/);
  });

  it('refuses values that are neither strings nor numbers', () => {
    expect(() => parseDuration(null as unknown as string)).toThrow(TypeError);
    expect(() => parseDuration({} as unknown as string)).toThrow(TypeError);
  });
});
