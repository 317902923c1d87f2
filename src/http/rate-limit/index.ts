export { consumeRateLimit, type RateLimitResult, type RateLimitRule } from './consume.js';
export { createDatabaseRateLimitStore, type DatabaseRateLimitStoreOptions } from './database-store.js';
export { parseDuration } from './duration.js';
export { rateLimitError, rateLimitHeaders } from './headers.js';
export {
  createMemoryRateLimitStore,
  type MemoryRateLimitStore,
  type MemoryRateLimitStoreOptions,
} from './memory-store.js';
export {
  createRedisRateLimitStore,
  type RedisRateLimitClient,
  type RedisRateLimitStoreOptions,
} from './redis-store.js';
export type { RateLimitHit, RateLimitStore } from './store.js';
