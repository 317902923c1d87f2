import { describe, expect, it } from 'vitest';
import { createMemoryRateLimitStore } from '../../../src/http/rate-limit/index.js';
import { runFixture } from './fixtures/run-node.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the memory rate-limit store', () => {
  it('holds at most maxKeys keys, dropping the oldest window first', async () => {
    const store = createMemoryRateLimitStore({ maxKeys: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) await store.hit(key, 60_000);
    expect(store.size).toBe(3);
    // c, d and e remain; a was dropped, so it starts over.
    expect((await store.hit('e', 60_000)).count).toBe(2);
    expect((await store.hit('c', 60_000)).count).toBe(2);
    expect((await store.hit('a', 60_000)).count).toBe(1);
    expect(store.size).toBe(3);
    await store.close();
  });

  it('drops expired counters before live ones when full', async () => {
    const store = createMemoryRateLimitStore({ maxKeys: 2 });
    await store.hit('live', 60_000);
    const short = await store.hit('short', 200);
    await sleep(short.resetAt - Date.now() + 50);
    await store.hit('new', 60_000);
    expect(store.size).toBe(2);
    expect((await store.hit('live', 60_000)).count).toBe(2);
    await store.close();
  });

  it('sweeps expired counters in the background', async () => {
    const store = createMemoryRateLimitStore({ sweepIntervalMs: 50 });
    for (let i = 0; i < 20; i++) await store.hit(`k${i}`, 200);
    expect(store.size).toBe(20);
    // Polls instead of asserting on timing: the sweeper must empty the store eventually.
    for (let i = 0; i < 100 && store.size > 0; i++) await sleep(50);
    expect(store.size).toBe(0);
    await store.close();
  });

  it('does not keep the process alive', async () => {
    const run = await runFixture('memory-idle-process.ts');
    expect(run.signal).toBeNull();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('hit');
  });

  it('forgets every counter when closed', async () => {
    const store = createMemoryRateLimitStore();
    await store.hit('x', 60_000);
    await store.close();
    expect(store.size).toBe(0);
  });

  it('refuses a maxKeys or sweep interval that is not a positive integer', () => {
    expect(() => createMemoryRateLimitStore({ maxKeys: 0 })).toThrow(/maxKeys must be a positive integer/);
    expect(() => createMemoryRateLimitStore({ maxKeys: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => createMemoryRateLimitStore({ sweepIntervalMs: -1 })).toThrow(/sweepIntervalMs/);
  });
});
