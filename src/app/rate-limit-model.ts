import { defineModel, f } from '../db/index.js';

/**
 * The rate-limit counters of the database store (`basalt_rate_limit`): one row per key and
 * window. `createApp` adds it to every app with a database, so `basalt makemigrations` writes
 * the table into the app's migrations, as `jobs()` does with its tables.
 */
export const RateLimitModel = defineModel(
  'basaltRateLimit',
  {
    key: f.string({ max: 512, unique: true }),
    /** Hits counted in the current window. */
    count: f.bigInteger(),
    /** Epoch milliseconds at which the current window ends. */
    resetAt: f.bigInteger(),
  },
  { table: 'basalt_rate_limit' },
);
