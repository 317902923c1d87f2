import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { t } from 'basalt/http';
import { createJobs, defineTask, loadRedisBackend } from 'basalt/jobs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from '../../src/internal/deadlines.js';
import { hasRedis, REDIS_URL } from '../support/redis.js';
import { dropPrefix } from './support.js';

describe('Deadlines', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects an operation still pending past the timeout, and only that one', async () => {
    vi.useFakeTimers();
    const deadlines = new Deadlines(1000, () => new Error('too slow'));
    const hung = deadlines.within(new Promise<never>(() => undefined));
    const hungOutcome = hung.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    let finish: (value: string) => void = () => undefined;
    const answered = deadlines.within(new Promise<string>((resolve) => (finish = resolve)));
    await vi.advanceTimersByTimeAsync(500);
    finish('ok');
    expect(await answered).toBe('ok');
    await vi.advanceTimersByTimeAsync(400);
    let settled = false;
    void hungOutcome.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    // Given up between the timeout and a tenth after it.
    await vi.advanceTimersByTimeAsync(200);
    expect(await hungOutcome).toBe('too slow');
    deadlines.close();
  });

  it('passes the operation’s own failure through', async () => {
    const deadlines = new Deadlines(1000, () => new Error('too slow'));
    await expect(deadlines.within(Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    deadlines.close();
  });

  it('holds no timer once nothing is pending', async () => {
    vi.useFakeTimers();
    const deadlines = new Deadlines(100, () => new Error('too slow'));
    await deadlines.within(Promise.resolve(1));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(vi.getTimerCount()).toBe(0);
  });
});

/** A TCP proxy to Redis that can stop passing bytes on (Redis hung, connection still open). */
async function freezableProxy(target: URL): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const { createConnection } = await import('node:net');
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port || 6379), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!frozen) client.write(chunk);
    });
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.runIf(hasRedis)('Redis backend timeout', () => {
  it('answers 503 when Redis stops answering after it was reached', async () => {
    const proxy = await freezableProxy(new URL(REDIS_URL));
    const prefix = `basalt-jobs-test-${randomUUID().slice(0, 8)}`;
    const backend = await loadRedisBackend({ url: proxy.url, prefix, timeoutMs: 300 });
    const task = defineTask('timeout-noop', { input: t.Object({ n: t.Integer() }), retries: 0 }, () => null);
    const jobs = createJobs({ backend, tasks: [task], bind: false });
    try {
      await jobs.enqueue(task, { n: 1 });
      proxy.freeze();
      await expect(jobs.enqueue(task, { n: 2 })).rejects.toMatchObject({
        code: 'BASALT_HTTP_SERVICE_UNAVAILABLE',
        status: 503,
      });
      await expect(jobs.enqueueMany(task, [{ n: 3 }, { n: 4 }])).rejects.toMatchObject({
        code: 'BASALT_HTTP_SERVICE_UNAVAILABLE',
      });
      await expect(jobs.counts()).rejects.toMatchObject({ code: 'BASALT_HTTP_SERVICE_UNAVAILABLE' });
    } finally {
      await proxy.close();
      await jobs.close().catch(() => undefined);
      await dropPrefix(prefix);
    }
  }, 20_000);
});

describe.runIf(hasRedis)('Redis backend, enqueues of one tick', () => {
  it('adds enqueues made in the same tick together, each with its own record, in order', async () => {
    const prefix = `basalt-jobs-test-${randomUUID().slice(0, 8)}`;
    const backend = await loadRedisBackend({ url: REDIS_URL, prefix });
    const task = defineTask(
      'tick-noop',
      { input: t.Object({ n: t.Integer() }), retries: 0, unique: (input) => `n-${input.n}` },
      () => null,
    );
    const other = defineTask(
      'tick-other',
      { input: t.Object({ n: t.Integer() }), queue: 'other' },
      () => null,
    );
    const jobs = createJobs({ backend, tasks: [task, other], bind: false });
    try {
      // Twenty enqueues issued before any is awaited, over two queues, two of them with one key.
      const handles = await Promise.all([
        ...Array.from({ length: 18 }, (_, n) => jobs.enqueue(task, { n })),
        jobs.enqueue(task, { n: 3 }),
        jobs.enqueue(other, { n: 1 }, { priority: 5 }),
      ]);
      expect(new Set(handles.map((h) => h.id)).size).toBe(19);
      expect(handles[18]!.id).toBe(handles[3]!.id);
      for (const [n, handle] of handles.slice(0, 18).entries())
        expect(await handle.get()).toMatchObject({
          input: { n },
          state: 'queued',
          idempotencyKey: `tick-noop/n-${n}`,
        });
      expect(await handles[19]!.get()).toMatchObject({ task: 'tick-other', queue: 'other', priority: 5 });
      expect((await jobs.counts()).queued).toBe(19);
    } finally {
      await jobs.close();
      await dropPrefix(prefix);
    }
  });
});
