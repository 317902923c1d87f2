import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isTypedResponse, respond } from '../../../src/http/endpoint.js';
import {
  consumeRateLimit,
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  rateLimitError,
  rateLimitHeaders,
} from '../../../src/http/rate-limit/index.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

// The examples of docs/rate-limiting.md, run for real.
describe('docs/rate-limiting.md', () => {
  it('picks the memory store without REDIS_URL', async () => {
    const env: { REDIS_URL?: string } = {};
    const store = env.REDIS_URL
      ? await createRedisRateLimitStore({ url: env.REDIS_URL })
      : createMemoryRateLimitStore();
    expect(store).toHaveProperty('size', 0);
    await store.close();
  });

  it('applies a rule: headers while allowed, a 429 error past the limit', async () => {
    const store = createMemoryRateLimitStore();
    const ip = '203.0.113.7';
    const body = { ok: true };
    const attempt = async () => {
      const result = await consumeRateLimit(store, `login:ip:${ip}`, { max: 5, window: '1m' });
      if (!result.allowed) throw rateLimitError(result);
      return respond(200, body, rateLimitHeaders(result));
    };
    for (let i = 0; i < 5; i++) {
      const answer = await attempt();
      expect(isTypedResponse(answer)).toBe(true);
      expect(answer.headers?.['RateLimit-Remaining']).toBe(String(4 - i));
    }
    await expect(attempt()).rejects.toMatchObject({ code: 'BASALT_HTTP_TOO_MANY_REQUESTS', status: 429 });
    await store.close();
  });

  it('shows the Lua script the Redis store runs', () => {
    const lua = /```lua\n([\s\S]*?)```/.exec(read('../../../docs/rate-limiting.md'))?.[1]?.trim();
    expect(lua).toBeDefined();
    expect(read('../../../src/http/rate-limit/redis-store.ts')).toContain(lua!);
  });
});
