import { describe, expect, it } from 'vitest';
import { isBasaltError } from '../../../src/core/index.js';
import {
  consumeRateLimit,
  createMemoryRateLimitStore,
  type RateLimitResult,
  rateLimitError,
  rateLimitHeaders,
} from '../../../src/http/rate-limit/index.js';

const rule = { max: 3, window: '1m' } as const;

describe('consumeRateLimit', () => {
  it('allows max requests per window, then refuses', async () => {
    const store = createMemoryRateLimitStore();
    const results: RateLimitResult[] = [];
    for (let i = 0; i < 5; i++) results.push(await consumeRateLimit(store, 'ip:1', rule));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0, 0]);
    expect(results.every((r) => r.limit === 3)).toBe(true);
    expect(results[0]!.retryAfterSeconds).toBe(0);
    expect(results[3]!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(results[3]!.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(results[4]!.resetAt).toBe(results[0]!.resetAt);
    await store.close();
  });

  it('allows again once the window has ended', async () => {
    const store = createMemoryRateLimitStore();
    const first = await consumeRateLimit(store, 'k', { max: 1, window: 200 });
    expect((await consumeRateLimit(store, 'k', { max: 1, window: 200 })).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, first.resetAt - Date.now() + 50));
    expect((await consumeRateLimit(store, 'k', { max: 1, window: 200 })).allowed).toBe(true);
    await store.close();
  });

  it('refuses a rule whose max or window is invalid', async () => {
    const store = createMemoryRateLimitStore();
    await expect(consumeRateLimit(store, 'k', { max: 0, window: '1m' })).rejects.toThrow(
      /max must be a positive/,
    );
    await expect(consumeRateLimit(store, 'k', { max: 1, window: 'a minute' })).rejects.toThrow(TypeError);
    await store.close();
  });
});

describe('rate-limit headers and errors', () => {
  const refused: RateLimitResult = {
    allowed: false,
    remaining: 0,
    retryAfterSeconds: 42,
    limit: 5,
    resetAt: Date.now() + 42_000,
  };

  it('describes a result with the draft RateLimit headers', () => {
    const headers = rateLimitHeaders({ ...refused, allowed: true, remaining: 4, retryAfterSeconds: 0 });
    expect(headers['RateLimit-Limit']).toBe('5');
    expect(headers['RateLimit-Remaining']).toBe('4');
    expect(Number(headers['RateLimit-Reset'])).toBeGreaterThan(0);
    expect(Number(headers['RateLimit-Reset'])).toBeLessThanOrEqual(42);
  });

  it('never sends a negative RateLimit-Reset', () => {
    expect(rateLimitHeaders({ ...refused, resetAt: Date.now() - 5000 })['RateLimit-Reset']).toBe('0');
  });

  it('makes a 429 BASALT_HTTP_TOO_MANY_REQUESTS error with Retry-After', () => {
    const error = rateLimitError(refused);
    expect(isBasaltError(error)).toBe(true);
    expect(error.code).toBe('BASALT_HTTP_TOO_MANY_REQUESTS');
    expect(error.status).toBe(429);
    expect(error.expose).toBe(true);
    expect(error.message).toBe('Too many requests; try again in 42 seconds');
    expect(error.headers).toMatchObject({
      'Retry-After': '42',
      'RateLimit-Limit': '5',
      'RateLimit-Remaining': '0',
    });
  });

  it('sends Retry-After of at least one second, with the given message', () => {
    const error = rateLimitError({ ...refused, retryAfterSeconds: 0 }, 'Too many login attempts');
    expect(error.message).toBe('Too many login attempts');
    expect(error.headers?.['Retry-After']).toBe('1');
  });
});
