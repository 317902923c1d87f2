import { answers } from './answers.js';

/** The Redis server test suites use: TEST_REDIS_URL, else REDIS_URL, else the machine's local server. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether Redis answers. Suites skip their Redis cases when it does not — except under
 * BASALT_REQUIRE_SERVICES (set by .ci/run), where a missing server is an error, so CI can
 * never pass by skipping.
 */
export const hasRedis = await answers(REDIS_URL, 6379);
if (!hasRedis) {
  if (process.env.BASALT_REQUIRE_SERVICES) throw new Error(`Redis does not answer at ${REDIS_URL}`);
  console.warn(`Redis at ${REDIS_URL} does not answer: Redis test cases are SKIPPED`);
}
