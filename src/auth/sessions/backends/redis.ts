import type { Redis } from 'ioredis';
import { BasaltError, type Logger } from '../../../core/index.js';
import {
  DEFAULT_SERVICE_TIMEOUT_MS,
  failFastRedisOptions,
  withinServiceTimeout,
} from '../../../internal/service-errors.js';
import type { SessionBackend, SessionRecord } from './backend.js';

/** Prefix of every key the Redis store writes. */
export const REDIS_SESSION_PREFIX = 'basalt:session:';

interface StoredSession {
  u: number | string | null;
  d: Record<string, unknown>;
  e: number;
}

/**
 * Sessions in Redis: `basalt:session:<hash>` holds the session as JSON with a TTL of its
 * remaining life, and `basalt:session:user:<id>` the set of a user's session hashes (for
 * logout everywhere). ioredis is imported only when this store is created.
 */
export async function redisSessionBackend(
  url: string,
  log: Logger,
  timeoutMs = DEFAULT_SERVICE_TIMEOUT_MS,
): Promise<SessionBackend> {
  const { Redis } = await import('ioredis');
  // While Redis is down a session read fails at once (the request answers 503), bounded by
  // timeoutMs when it hangs; a write refused then is never re-sent later.
  const redis: Redis = new Redis(url, { ...failFastRedisOptions(timeoutMs), lazyConnect: true });
  let connected = false;
  let lastError: unknown;
  // Without a listener ioredis prints every connection error; after start-up they are logged.
  redis.on('error', (error: unknown) => {
    lastError = error;
    if (connected) log.warn({ err: error }, 'session store: Redis connection error');
  });
  try {
    await withinServiceTimeout('redis', timeoutMs, redis.connect());
    connected = true;
  } catch (error) {
    redis.disconnect();
    const { host } = new URL(url);
    const reason =
      (lastError ?? error) instanceof Error ? ((lastError ?? error) as Error).message : String(error);
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `REDIS_URL: the session store cannot reach Redis at ${host} (${reason}); start Redis or unset REDIS_URL to keep sessions in the database`,
      { cause: lastError ?? error },
    );
  }
  const sessionKey = (hash: string) => `${REDIS_SESSION_PREFIX}${hash}`;
  const userKey = (userId: number | string) => `${REDIS_SESSION_PREFIX}user:${userId}`;
  const parse = (raw: string | null): SessionRecord | null => {
    if (raw === null) return null;
    const stored = JSON.parse(raw) as StoredSession;
    return { userId: stored.u, data: stored.d ?? {}, expiresAt: new Date(stored.e) };
  };
  return {
    async load(_db, hash) {
      return parse(await redis.get(sessionKey(hash)));
    },
    async take(_db, hash) {
      // MULTI runs GET and DEL with nothing in between (GETDEL needs Redis 6.2).
      const results = await redis.multi().get(sessionKey(hash)).del(sessionKey(hash)).exec();
      const raw = results?.[0]?.[1];
      return parse(typeof raw === 'string' ? raw : null);
    },
    async save(_db, hash, record: SessionRecord) {
      const ttl = Math.max(1, Math.ceil((record.expiresAt.getTime() - Date.now()) / 1000));
      const stored: StoredSession = { u: record.userId, d: record.data, e: record.expiresAt.getTime() };
      const batch = redis.multi().set(sessionKey(hash), JSON.stringify(stored), 'EX', ttl);
      if (record.userId !== null) {
        const key = userKey(record.userId);
        // Every write sets a full lifetime, so the set outlives each session written before;
        // members whose session expired are harmless.
        batch.sadd(key, hash).expire(key, ttl);
      }
      await batch.exec();
    },
    async delete(_db, hash, userId) {
      const batch = redis.multi().del(sessionKey(hash));
      if (userId !== null) batch.srem(userKey(userId), hash);
      await batch.exec();
    },
    async deleteAllFor(_db, userId) {
      const key = userKey(userId);
      const hashes = await redis.smembers(key);
      await redis.del(key, ...hashes.map(sessionKey));
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
