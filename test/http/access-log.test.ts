import { defineApp } from 'basalt';
import { get, t } from 'basalt/http';
import { createTestClient } from 'basalt/testing';
import { describe, expect, it } from 'vitest';

const app = defineApp({
  name: 'access-log',
  routes: [
    get(
      '/items/:id',
      { params: t.Object({ id: t.Integer() }), response: t.Object({ id: t.Integer() }) },
      ({ params }) => ({
        id: params.id,
      }),
    ),
  ],
});

describe('ACCESS_LOG', () => {
  it('logs one structured line per request with its id, route pattern, client address, status and time', async () => {
    const lines: string[] = [];
    const client = await createTestClient(app, {
      env: { ACCESS_LOG: 'true', LOG_LEVEL: 'info' },
      logger: { destination: { write: (line: string) => void lines.push(line) } },
    });
    try {
      const answer = await client.get('/items/:id', { params: { id: 7 } });
      await client.request({ method: 'GET', url: '/nowhere' }, { validateResponse: false });
      const entries = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((e) => e.msg === 'request');
      expect(entries).toHaveLength(2);
      expect(entries[0]).toMatchObject({
        requestId: answer.headers['x-request-id'],
        method: 'GET',
        url: '/items/7',
        route: '/items/:id',
        ip: '127.0.0.1',
        status: 200,
      });
      expect(typeof entries[0]!.ms).toBe('number');
      expect(entries[1]).toMatchObject({ url: '/nowhere', route: null, status: 404 });
    } finally {
      await client.close();
    }
  });
});
