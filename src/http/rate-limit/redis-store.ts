import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { BasaltError } from '../../core/index.js';
import {
  DEFAULT_SERVICE_TIMEOUT_MS,
  failFastRedisOptions,
  withinServiceTimeout,
} from '../../internal/service-errors.js';
import { assertHitArguments, type RateLimitHit, type RateLimitStore } from './store.js';

/** A connected ioredis client, standalone or cluster. */
export type RedisRateLimitClient = Redis | Cluster;

/** Options for {@link createRedisRateLimitStore}: a URL to connect to, or a client to borrow. */
export type RedisRateLimitStoreOptions = (
  | {
      /** `redis://` or `rediss://` URL; the store opens and closes its own connection. */
      url: string;
      client?: never;
    }
  | {
      /** A client the store borrows: `close()` never quits it. */
      client: RedisRateLimitClient;
      url?: never;
    }
) & {
  /** Prefix of every key the store writes. Default `basalt:rl:`. */
  prefix?: string;
  /**
   * With `url`: how long connecting and each hit may take, ms (default 5000). While Redis is
   * down a hit fails at once (the request answers 503) rather than waiting for it.
   */
  timeoutMs?: number;
};

// One atomic round trip: count, open the window on the first hit, and say when it ends.
// PTTL is -1 only when INCRBY has just created the key (there is no other writer), so the
// window is set exactly once and later hits never extend it.
const HIT_SCRIPT = `local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}`;

class RedisStore implements RateLimitStore {
  readonly #client: RedisRateLimitClient;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #sha = createHash('sha1').update(HIT_SCRIPT).digest('hex');
  #closed = false;

  constructor(client: RedisRateLimitClient, owned: boolean, prefix: string) {
    this.#client = client;
    this.#owned = owned;
    this.#prefix = prefix;
  }

  async hit(key: string, windowMs: number, cost = 1): Promise<RateLimitHit> {
    assertHitArguments(windowMs, cost);
    if (this.#closed) throw new Error('The rate-limit store is closed');
    const reply = await this.#eval(this.#prefix + key, cost, windowMs);
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number')
      throw new Error(`Unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
    return { count: reply[0], resetAt: Date.now() + reply[1] };
  }

  async reset(key: string): Promise<void> {
    await this.#client.del(this.#prefix + key);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.#client.quit();
  }

  async #eval(key: string, cost: number, windowMs: number): Promise<unknown> {
    // EVALSHA sends 40 bytes instead of the script; the script is loaded once per server.
    try {
      return await this.#client.evalsha(this.#sha, 1, key, cost, windowMs);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return await this.#client.eval(HIT_SCRIPT, 1, key, cost, windowMs);
    }
  }
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * A store that keeps counters in Redis, so every process and instance using the same Redis
 * shares them. Each hit is one atomic round trip (a Lua script). `ioredis` is loaded only
 * when this is called. Given a `url`, it connects now and fails with
 * `BASALT_CONFIG_INVALID` when Redis does not answer; `close()` then quits that connection.
 * A `client` you pass is only borrowed: `close()` leaves it open.
 *
 * @example
 * const store = await createRedisRateLimitStore({ url: process.env.REDIS_URL! });
 */
export async function createRedisRateLimitStore(
  options: RedisRateLimitStoreOptions,
): Promise<RateLimitStore> {
  const prefix = options.prefix ?? 'basalt:rl:';
  if (options.client !== undefined) return new RedisStore(options.client, false, prefix);
  if (typeof options.url !== 'string' || options.url === '')
    throw new TypeError('createRedisRateLimitStore needs a `url` or a `client`');

  const { Redis } = await import('ioredis');
  // Fail fast on the request path: no offline queue, no re-sent commands, a bounded wait.
  const timeoutMs = options.timeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS;
  const client = new Redis(options.url, { ...failFastRedisOptions(timeoutMs), lazyConnect: true });
  // Connection errors reach callers through the rejected commands; without a listener
  // ioredis would also print each one.
  client.on('error', () => {});
  try {
    // A server that accepts the connection and never answers must not hold the request.
    await withinServiceTimeout('redis', timeoutMs, client.connect());
  } catch (error) {
    client.disconnect();
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `Redis does not answer at ${withoutPassword(options.url)} (rate-limit store): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return new RedisStore(client, true, prefix);
}
