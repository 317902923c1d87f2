import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RateLimitModel } from 'basalt';
import { createDatabase } from 'basalt/db';
import { createTestDatabase } from 'basalt/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDatabaseRateLimitStore,
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  type RateLimitStore,
} from '../../../src/http/rate-limit/index.js';
import { hasPostgres, POSTGRES_URL } from '../../support/postgres.js';
import { hasRedis, REDIS_URL } from '../../support/redis.js';

// One prefix per run, so parallel runs and leftovers never meet; removed in afterAll.
const PREFIX = `basalt:test:rl:${randomUUID()}:`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits until a window that ends at `resetAt` has certainly ended. */
const pastWindow = (resetAt: number) => sleep(Math.max(0, resetAt - Date.now()) + 50);

const SQLITE_DIR = mkdtempSync(join(tmpdir(), 'basalt-rl-store-'));
const SQLITE_URL = `sqlite:${join(SQLITE_DIR, 'rl.db')}`;
const kyselyOf = (url: string) => createDatabase({ url, models: [] }).kysely as never;

/** The table of RateLimitModel, created once, as an app's migrations would: the store never creates it. */
let sqliteReady: Promise<void> | undefined;
function sqliteTable(): Promise<void> {
  sqliteReady ??= (async () => {
    const db = createDatabase({ url: SQLITE_URL, models: [RateLimitModel] });
    await db.createTables();
    await db.close();
  })();
  return sqliteReady;
}
// A schema of its own on the shared PostgreSQL database, with the table; dropped in afterAll.
let pgTest: Promise<Awaited<ReturnType<typeof createTestDatabase>>> | undefined;
function pgUrl(): Promise<string> {
  pgTest ??= createTestDatabase({ models: [RateLimitModel], url: POSTGRES_URL });
  return pgTest.then((test) => test.url);
}

const stores = [
  { name: 'memory', skip: false, create: async () => createMemoryRateLimitStore() },
  {
    name: 'SQLite database',
    skip: false,
    create: async () => {
      await sqliteTable();
      return createDatabaseRateLimitStore({ kysely: kyselyOf(SQLITE_URL), owned: true });
    },
  },
  {
    name: 'PostgreSQL database',
    skip: !hasPostgres,
    create: async () => createDatabaseRateLimitStore({ kysely: kyselyOf(await pgUrl()), owned: true }),
  },
  {
    name: 'Redis',
    skip: !hasRedis,
    create: () => createRedisRateLimitStore({ url: REDIS_URL, prefix: PREFIX }),
  },
];

afterAll(async () => {
  rmSync(SQLITE_DIR, { recursive: true, force: true });
  if (pgTest) await (await pgTest).close();
  if (!hasRedis) return;
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe.each(stores)('the $name rate-limit store', ({ skip, create }) => {
  let store: RateLimitStore;
  beforeEach(async () => {
    if (!skip) store = await create();
  });
  afterEach(async () => {
    if (!skip) await store.close();
  });

  it.skipIf(skip)('counts hits of a key within one window', async () => {
    const before = Date.now();
    const first = await store.hit('counts', 60_000);
    const second = await store.hit('counts', 60_000);
    const third = await store.hit('counts', 60_000);
    expect([first.count, second.count, third.count]).toEqual([1, 2, 3]);
    expect(first.resetAt).toBeGreaterThan(before);
    expect(first.resetAt).toBeLessThanOrEqual(Date.now() + 60_000);
    // The window is fixed: later hits do not push its end back.
    expect(third.resetAt).toBeLessThanOrEqual(first.resetAt + 50);
  });

  it.skipIf(skip)('keeps a separate counter per key', async () => {
    await store.hit('separate:a', 60_000);
    await store.hit('separate:a', 60_000);
    expect((await store.hit('separate:b', 60_000)).count).toBe(1);
  });

  it.skipIf(skip)('adds the cost of a hit', async () => {
    expect((await store.hit('cost', 60_000, 3)).count).toBe(3);
    expect((await store.hit('cost', 60_000, 2)).count).toBe(5);
    expect((await store.hit('cost', 60_000)).count).toBe(6);
  });

  it.skipIf(skip)('starts a new window after the old one ends', async () => {
    await store.hit('expiry', 200);
    const last = await store.hit('expiry', 200);
    expect(last.count).toBe(2);
    await pastWindow(last.resetAt);
    const renewed = await store.hit('expiry', 200);
    expect(renewed.count).toBe(1);
    expect(renewed.resetAt).toBeGreaterThan(last.resetAt);
  });

  it.skipIf(skip)('forgets a key that is reset', async () => {
    await store.hit('reset', 60_000);
    await store.hit('reset', 60_000);
    await store.reset('reset');
    expect((await store.hit('reset', 60_000)).count).toBe(1);
  });

  it.skipIf(skip)('counts every concurrent hit exactly once', async () => {
    const hits = await Promise.all(Array.from({ length: 50 }, () => store.hit('concurrent', 60_000)));
    expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });

  it.skipIf(skip)('refuses a window or cost it cannot count with', async () => {
    await expect(store.hit('bad', 0)).rejects.toThrow(TypeError);
    await expect(store.hit('bad', 1.5)).rejects.toThrow(/windowMs must be a positive integer/);
    await expect(store.hit('bad', 1000, -1)).rejects.toThrow(/cost must be a non-negative integer/);
  });

  it.skipIf(skip)('refuses hits once closed', async () => {
    await store.close();
    await expect(store.hit('closed', 1000)).rejects.toThrow(/closed/);
  });
});

describe.skipIf(!hasRedis)('the Redis rate-limit store', () => {
  let redis: Redis;
  beforeEach(() => {
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('writes its keys under the prefix, with the window as their expiry', async () => {
    const store = await createRedisRateLimitStore({ client: redis, prefix: `${PREFIX}custom:` });
    await store.hit('k', 60_000);
    expect(await redis.get(`${PREFIX}custom:k`)).toBe('1');
    const ttl = await redis.pttl(`${PREFIX}custom:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await store.close();
  });

  it('uses basalt:rl: as the default prefix', async () => {
    const store = await createRedisRateLimitStore({ client: redis });
    const key = `${PREFIX}default-prefix`;
    await store.hit(key, 60_000);
    expect(await redis.get(`basalt:rl:${key}`)).toBe('1');
    await store.reset(key);
    expect(await redis.exists(`basalt:rl:${key}`)).toBe(0);
    await store.close();
  });

  it('leaves a client it was given open when closed', async () => {
    const store = await createRedisRateLimitStore({ client: redis, prefix: PREFIX });
    await store.hit('borrowed', 60_000);
    await store.close();
    expect(await redis.ping()).toBe('PONG');
  });

  it('loads its script again when the server has forgotten it', async () => {
    const store = await createRedisRateLimitStore({ client: redis, prefix: PREFIX });
    await store.hit('reload', 60_000);
    await redis.script('FLUSH');
    expect((await store.hit('reload', 60_000)).count).toBe(2);
    await store.close();
  });

  it('shares one counter between processes', async () => {
    const { runFixture } = await import('./fixtures/run-node.js');
    const key = `shared:${randomUUID()}`;
    const runs = await Promise.all([
      runFixture('hit-process.ts', [REDIS_URL, PREFIX, key, '5', '8']),
      runFixture('hit-process.ts', [REDIS_URL, PREFIX, key, '5', '8']),
    ]);
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    const allowed = runs.map((run) => (JSON.parse(run.stdout) as { allowed: number }).allowed);
    expect(allowed[0]! + allowed[1]!).toBe(5);
    expect(await redis.get(`${PREFIX}${key}`)).toBe('16');
  });
});

describe('createRedisRateLimitStore', () => {
  it('fails at start-up with BASALT_CONFIG_INVALID when Redis does not answer', async () => {
    const failure = createRedisRateLimitStore({ url: 'redis://:secret@127.0.0.1:1/0' });
    await expect(failure).rejects.toMatchObject({ code: 'BASALT_CONFIG_INVALID' });
    await expect(failure).rejects.toThrow(/Redis does not answer at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
  });

  it('needs a url or a client', async () => {
    // @ts-expect-error neither url nor client
    await expect(createRedisRateLimitStore({})).rejects.toThrow(TypeError);
  });
});
