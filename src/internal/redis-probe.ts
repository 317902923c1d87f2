import type { Redis } from 'ioredis';
import { failFastRedisOptions } from './service-errors.js';

/** A readiness probe of a Redis server: PING on a connection of its own. */
export interface RedisProbe {
  probe(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Probes Redis at `url` for `/health/ready`. The connection is opened on the first probe
 * (ioredis loads only then) and reconnects by itself; while it is down a probe fails at
 * once, naming the connection's state.
 */
export function redisProbe(url: string, timeoutMs: number): RedisProbe {
  let client: Redis | undefined;
  let opening: Promise<Redis> | undefined;
  let lastError: unknown;
  const open = async () => {
    const { Redis } = await import('ioredis');
    const created = new Redis(url, { ...failFastRedisOptions(timeoutMs), lazyConnect: true });
    created.on('error', (error: unknown) => {
      lastError = error;
    });
    client = created;
    return created;
  };
  return {
    async probe() {
      opening ??= open();
      const redis = await opening;
      if (redis.status === 'wait') await redis.connect();
      if (redis.status !== 'ready') {
        const reason =
          lastError instanceof Error ? `: ${lastError.message || (lastError as { code?: string }).code}` : '';
        throw new Error(`Redis is unreachable (connection ${redis.status}${reason})`);
      }
      await redis.ping();
    },
    async close() {
      if (client) await client.quit().catch(() => client?.disconnect());
    },
  };
}
