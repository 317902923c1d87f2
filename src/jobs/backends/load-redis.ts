import type { JobsBackend } from './backend.js';
import type { RedisBackendOptions } from './redis.js';

/**
 * Redis through BullMQ, loaded on demand so that an app on the database queue never loads
 * BullMQ or ioredis.
 *
 * @example
 * const backend = await loadRedisBackend({ url: process.env.REDIS_URL! });
 */
export async function loadRedisBackend(options: RedisBackendOptions): Promise<JobsBackend> {
  const { redisBackend } = await import('./redis.js');
  return redisBackend(options);
}
