import { connect, type Socket } from 'node:net';
import { type BasaltApp, createApp, defineApp } from 'basalt';
import { get, post, t } from 'basalt/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Real sockets: these limits live in Node's HTTP server, which inject() never reaches.
// Short limits so the test is quick; every wait polls a condition with a deadline.
const LIMITS = { HEADERS_TIMEOUT: '0.5', REQUEST_TIMEOUT: '1', KEEP_ALIVE_TIMEOUT: '0.5' };

const routes = [
  get('/ping', { response: t.Object({ ok: t.Boolean() }) }, () => ({ ok: true })),
  get(
    '/tags/:id',
    { params: t.Object({ id: t.String() }), response: t.Object({ id: t.String() }) },
    (ctx) => ({
      id: ctx.params.id,
    }),
  ),
  post(
    '/books',
    { body: t.Object({ title: t.String() }), response: { 201: t.Object({ title: t.String() }) } },
    (ctx) => ({ title: ctx.body.title }),
  ),
  post(
    '/limited',
    {
      body: t.Object({ n: t.Integer() }),
      rateLimit: { max: 1, window: '1h' },
      response: { 201: t.Object({ n: t.Integer() }) },
    },
    (ctx) => ({ n: ctx.body.n }),
  ),
];

let app: BasaltApp;
let port: number;
beforeAll(async () => {
  app = (await createApp(defineApp({ name: 'slow', routes }), {
    envFile: false,
    env: { NODE_ENV: 'test', BODY_LIMIT: '1024', ...LIMITS },
  })) as unknown as BasaltApp;
  ({ port } = await app.listen({ port: 0, host: '127.0.0.1' }));
});
afterAll(() => app.stop());

/** A raw connection that records what it receives and when it is closed. */
class RawClient {
  readonly socket: Socket;
  received = '';
  closed = false;

  constructor() {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
    });
    this.socket.on('close', () => {
      this.closed = true;
    });
    this.socket.on('error', () => {});
  }

  write(data: string): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Sends `body` one byte at a time until the connection closes or the body is out. */
  async drip(body: string, everyMs: number): Promise<number> {
    let sent = 0;
    while (sent < body.length && !this.closed) {
      this.write(body[sent]!);
      sent += 1;
      await until(() => this.closed, everyMs).catch(() => undefined);
    }
    return sent;
  }

  /** The status, headers and JSON body of the first answer. */
  answer(): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
    const [head, ...rest] = this.received.split('\r\n\r\n');
    const [statusLine, ...headerLines] = head!.split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(rest.join('\r\n\r\n')) };
  }
}

/** Resolves once `condition` holds; rejects after `ms`. */
async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function expectProblem(client: RawClient, status: number, code: string) {
  const answer = client.answer();
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(answer.headers['x-request-id']).toMatch(/\S/);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
  expect(answer.body).toMatchObject({ status, code });
  expect(answer.body.requestId).toBe(answer.headers['x-request-id']);
}

describe('slow clients', () => {
  it('cuts off a body dripped byte by byte with a 408 problem and closes the connection', async () => {
    const client = new RawClient();
    const body = JSON.stringify({ title: 'x'.repeat(200) });
    client.write(
      `POST /books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const sent = await client.drip(body, 50);
    await until(() => client.closed, 5000);
    expect(sent).toBeLessThan(body.length);
    expectProblem(client, 408, 'BASALT_HTTP_REQUEST_TIMEOUT');
    expect(client.answer().headers.connection).toBe('close');
  });

  it('answers 408 to headers that never end (slowloris) and closes the connection', async () => {
    const client = new RawClient();
    client.write('GET /ping HTTP/1.1\r\nHost: x\r\n');
    const sent = await client.drip(
      'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      50,
    );
    await until(() => client.closed, 5000);
    expect(sent).toBeLessThan(60);
    expectProblem(client, 408, 'BASALT_HTTP_REQUEST_TIMEOUT');
  });

  it('closes an idle keep-alive connection', async () => {
    const client = new RawClient();
    client.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => client.received.includes('{"ok":true}'), 2000);
    expect(client.closed).toBe(false);
    expect(client.answer().headers['keep-alive']).toMatch(/^timeout=/);
    await until(() => client.closed, 5000);
  });

  it('closes the connection after a 413 instead of reading the rest of the body', async () => {
    const client = new RawClient();
    client.write(
      'POST /books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"title":"',
    );
    await until(() => client.closed, 2000);
    expectProblem(client, 413, 'BASALT_HTTP_PAYLOAD_TOO_LARGE');
    expect(client.answer().headers.connection).toBe('close');
  });

  it('closes the connection after a 429 answered before the body arrived', async () => {
    const first = new RawClient();
    first.write(
      'POST /limited HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"n":1}',
    );
    await until(() => first.received.includes('\r\n\r\n{'), 2000);
    expect(first.answer().status).toBe(201);

    const second = new RawClient();
    second.write(
      'POST /limited HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{',
    );
    await until(() => second.closed, 2000);
    expectProblem(second, 429, 'BASALT_HTTP_TOO_MANY_REQUESTS');
    expect(second.answer().headers.connection).toBe('close');
  });
});

describe('errors raised before routing are problem+json too', () => {
  it.each([
    ['an unknown method', 'TRACK /ping HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'BASALT_HTTP_BAD_REQUEST'],
    [
      'a path segment over the router limit',
      `GET /tags/${'x'.repeat(2000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      414,
      'BASALT_HTTP_URI_TOO_LONG',
    ],
    [
      'bad percent-encoding',
      'GET /tags/%ED%A0%80 HTTP/1.1\r\nHost: x\r\n\r\n',
      400,
      'BASALT_HTTP_BAD_REQUEST',
    ],
    [
      'headers over the size limit',
      `GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`,
      431,
      'BASALT_HTTP_HEADERS_TOO_LARGE',
    ],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400, 'BASALT_HTTP_BAD_REQUEST'],
  ])('answers %s', async (_, request, status, code) => {
    const client = new RawClient();
    client.write(request);
    await until(() => client.closed, 3000);
    expectProblem(client, status, code);
  });

  it('refuses a header timeout longer than the request timeout at start-up', async () => {
    await expect(
      createApp(defineApp({ name: 'bad', routes }), {
        envFile: false,
        env: { NODE_ENV: 'test', HEADERS_TIMEOUT: '60', REQUEST_TIMEOUT: '30' },
      }),
    ).rejects.toMatchObject({
      code: 'BASALT_CONFIG_INVALID',
      message: expect.stringContaining('HEADERS_TIMEOUT'),
    });
  });
});
