import { createConnection, createServer } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { BasaltError } from '../../src/core/index.js';
import { asServiceUnavailable, unavailableService } from '../../src/internal/service-errors.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Real errors from real drivers: which mean "the service is down" (503), which do not (500).
describe('connection failures as 503', () => {
  it('recognises a refused socket, a refused PostgreSQL connection and a Redis refusing commands', async () => {
    const port = await closedPort();
    const socketError = await new Promise<Error>((resolve) =>
      createConnection({ port, host: '127.0.0.1' }).on('error', resolve),
    );
    expect(unavailableService(socketError)).toBe('a service');

    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` });
    const pgError = await client.connect().then(
      () => new Error('connected'),
      (error: Error) => error,
    );
    expect(unavailableService(pgError)).toBeDefined();

    const redis = new Redis(`redis://127.0.0.1:${port}`, {
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    const redisError = await redis.get('x').then(
      () => new Error('answered'),
      (error: Error) => error,
    );
    redis.disconnect();
    expect(unavailableService(redisError)).toBe('redis');

    const answer = asServiceUnavailable(redisError);
    expect(answer).toMatchObject({ code: 'BASALT_HTTP_SERVICE_UNAVAILABLE', status: 503, expose: true });
    expect(answer?.headers).toMatchObject({ 'retry-after': '5' });
  });

  it.skipIf(!hasPostgres)('leaves a query error of a live PostgreSQL alone (a 500, not a 503)', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const error = await client.query('select * from no_such_table_here').then(
        () => new Error('answered'),
        (e: Error) => e,
      );
      expect((error as { code?: string }).code).toBe('42P01');
      expect(unavailableService(error)).toBeUndefined();
    } finally {
      await client.end();
    }
  });

  it("leaves a client's own error alone, even when it wraps a connection failure", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(
      unavailableService(new BasaltError('BASALT_HTTP_BAD_REQUEST', 'bad', { cause: refused })),
    ).toBeUndefined();
    expect(unavailableService(new Error('something else'))).toBeUndefined();
    expect(unavailableService(null)).toBeUndefined();
    expect(unavailableService('ECONNREFUSED')).toBeUndefined();
    // A 500 that wraps one is an outage all the same.
    expect(unavailableService(new BasaltError('BASALT_INTERNAL_ERROR', 'x', { cause: refused }))).toBe(
      'a service',
    );
  });
});
