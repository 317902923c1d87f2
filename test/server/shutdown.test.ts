import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, defineApp, get, t } from 'basalt';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, freePort, killAll, startBasalt, waitUntil } from '../cli/basalt-process.js';

const cwd = join(FIXTURES, 'shutdown');

/** A raw keep-alive connection: what it received, whether it closed, every socket error. */
class Connection {
  readonly socket: Socket;
  received = '';
  closed = false;
  readonly errors: string[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('utf8');
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', (error: Error & { code?: string }) => this.errors.push(error.code ?? error.message));
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  get(path: string): void {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  }

  /** The answers received so far, each complete (headers and the body its Content-Length announces). */
  answers(): { status: number; headers: Record<string, string>; body: string }[] {
    const answers = [];
    let rest = this.received;
    for (;;) {
      const end = rest.indexOf('\r\n\r\n');
      if (end === -1) break;
      const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      const body = rest.slice(end + 4);
      if (Buffer.byteLength(body) < length) break;
      answers.push({ status: Number(statusLine!.split(' ')[1]), headers, body: body.slice(0, length) });
      rest = body.slice(length);
    }
    return answers;
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: Error & { code?: string }) => resolve(error.code === 'ECONNREFUSED'));
  });
}

afterEach(killAll);

describe('stopping with connections open', () => {
  it('answers a request sent on a kept-alive connection after SIGTERM with a 503, never a reset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'basalt-shutdown-'));
    const release = join(dir, 'release');
    try {
      const port = await freePort();
      const server = startBasalt(['start', '--workers', '1', '--port', String(port)], { cwd });
      await server.waitForOutput(`Basalt listening on http://127.0.0.1:${port} with 1 worker`);

      // B: a keep-alive connection that has served one request and now sits idle.
      const idle = await Connection.open(port);
      idle.get('/pid');
      await waitUntil(() => idle.answers().length === 1, { timeoutMs: 10_000 });
      expect(idle.answers()[0]!.status).toBe(200);

      // A: a request in flight that ends only when the test says so.
      const busy = await Connection.open(port);
      busy.get(`/block?file=${encodeURIComponent(release)}`);
      await server.waitForOutput('block:start');

      server.child.kill('SIGTERM');
      // The listener closes once the worker has begun stopping: from here, a new
      // connection is refused and B's next request arrives at a stopping server.
      await waitUntil(() => refused(port), { timeoutMs: 15_000, message: () => server.output() });
      expect(idle.closed).toBe(false);

      idle.get('/pid');
      await waitUntil(() => idle.answers().length === 2 && idle.closed, {
        timeoutMs: 10_000,
        message: () => `B received ${JSON.stringify(idle.received)}; errors ${idle.errors.join(', ')}`,
      });
      const stopping = idle.answers()[1]!;
      expect(stopping.status).toBe(503);
      expect(stopping.headers.connection).toBe('close');
      expect(stopping.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(stopping.headers['x-content-type-options']).toBe('nosniff');
      expect(stopping.headers['x-request-id']).toMatch(/\S/);
      expect(JSON.parse(stopping.body)).toMatchObject({
        status: 503,
        code: 'BASALT_HTTP_SERVICE_UNAVAILABLE',
        requestId: stopping.headers['x-request-id'],
      });
      expect(idle.errors).toEqual([]);

      // A's request was running all along: it finishes, on a connection that then closes.
      writeFileSync(release, '');
      await waitUntil(() => busy.answers().length === 1 && busy.closed, { timeoutMs: 10_000 });
      const finished = busy.answers()[0]!;
      expect(finished.status).toBe(200);
      expect(JSON.parse(finished.body)).toEqual({ released: true });
      expect(finished.headers.connection).toBe('close');
      expect(busy.errors).toEqual([]);

      expect(await server.exited).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('app.stop() with connections open', () => {
  it('answers the request of a connection accepted but still silent with 503 problem+json and Connection: close', async () => {
    const app = await createApp(
      defineApp({
        name: 'fresh',
        routes: [get('/pid', { response: t.Object({ pid: t.Integer() }) }, () => ({ pid: process.pid }))],
      }),
      { envFile: false, env: { NODE_ENV: 'test' } },
    );
    const { port } = await app.listen({ port: 0, host: '127.0.0.1' });
    const accepted = () =>
      new Promise<number>((resolve, reject) =>
        app.fastify.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
    const fresh = await Connection.open(port);
    await waitUntil(async () => (await accepted()) === 1, { timeoutMs: 5_000 });

    const stopped = app.stop();
    await waitUntil(() => refused(port), { timeoutMs: 5_000 });
    fresh.get('/pid');
    await waitUntil(() => fresh.answers().length === 1 && fresh.closed, {
      timeoutMs: 5_000,
      message: () => `received ${JSON.stringify(fresh.received)}; errors ${fresh.errors.join(', ')}`,
    });
    const answer = fresh.answers()[0]!;
    expect(answer.status).toBe(503);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'BASALT_HTTP_SERVICE_UNAVAILABLE' });
    expect(fresh.errors).toEqual([]);
    await stopped;
  });

  it('still closes an idle keep-alive connection when nothing is in flight', async () => {
    const app = await createApp(
      defineApp({
        name: 'idle',
        routes: [get('/pid', { response: t.Object({ pid: t.Integer() }) }, () => ({ pid: process.pid }))],
      }),
      { envFile: false, env: { NODE_ENV: 'test' } },
    );
    const { port } = await app.listen({ port: 0, host: '127.0.0.1' });
    const idle = await Connection.open(port);
    idle.get('/pid');
    await waitUntil(() => idle.answers().length === 1, { timeoutMs: 5_000 });
    await app.stop();
    await waitUntil(() => idle.closed, { timeoutMs: 5_000 });
    expect(idle.answers()).toHaveLength(1);
  });
});

describe('app.stop() under load', () => {
  it('answers every request of busy keep-alive clients, or refuses their new connections', async () => {
    const app = await createApp(
      defineApp({
        name: 'busy',
        routes: [get('/pid', { response: t.Object({ pid: t.Integer() }) }, () => ({ pid: process.pid }))],
      }),
      { envFile: false, env: { NODE_ENV: 'test' } },
    );
    const { port } = await app.listen({ port: 0, host: '127.0.0.1' });
    const agent = new Agent({ keepAlive: true, maxSockets: 10 });
    const outcomes: string[] = [];
    const once = () =>
      new Promise<string>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/pid', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(`${res.statusCode} ${res.headers.connection}`));
          res.on('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message));
        });
        req.on('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message));
        req.end();
      });
    // Ten clients send request after request on their kept-alive connections, each until it
    // gets a 503 or its connection is refused; the server stops while they are at it.
    let served = 0;
    const clients = Array.from({ length: 10 }, async () => {
      for (;;) {
        const outcome = await once();
        if (outcome.startsWith('200')) {
          served += 1;
          continue;
        }
        outcomes.push(outcome);
        return;
      }
    });
    await waitUntil(() => served >= 200, { timeoutMs: 20_000 });
    await app.stop();
    await Promise.all(clients);
    agent.destroy();
    const failures = outcomes.filter((o) => o !== '503 close' && o !== 'ECONNREFUSED');
    expect(failures).toEqual([]);
    expect(outcomes).toContain('503 close');
  }, 30_000);
});
