import { connect } from 'node:net';
import { type BasaltApp, createApp, defineApp } from 'basalt';
import { get, post, t } from 'basalt/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Real sockets: duplicated headers, unknown methods and broken request lines never get
// through inject(); they are Node's parser's and Fastify's router's to answer.
const routes = [
  get('/ping', { response: t.Object({ ok: t.Boolean() }) }, () => ({ ok: true })),
  post(
    '/books',
    { body: t.Object({ title: t.String() }), response: { 201: t.Object({ title: t.String() }) } },
    (ctx) => ({ title: ctx.body.title }),
  ),
  post('/raw', { streamBody: true, response: { 200: t.Object({ read: t.Boolean() }) } }, () => ({
    read: false,
  })),
];

let app: BasaltApp;
let port: number;
beforeAll(async () => {
  app = (await createApp(defineApp({ name: 'edges', routes }), {
    envFile: false,
    env: {
      NODE_ENV: 'production',
      SECRET_KEY: 'an-edge-case-secret-of-at-least-32-chars',
      WORKERS: '1',
      LOG_LEVEL: 'silent',
    },
  })) as unknown as BasaltApp;
  ({ port } = await app.listen({ port: 0, host: '127.0.0.1' }));
});
afterAll(() => app.stop());

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Sends bytes on a new connection and reads the first answer (the server closes or answers in full). */
function send(request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within 5 s; received ${JSON.stringify(received)}`));
    }, 5000);
    const parse = (): RawAnswer | undefined => {
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return undefined;
      const [statusLine, ...lines] = received.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = received.slice(end + 4);
      if (Buffer.byteLength(body) < Number(headers['content-length'] ?? Infinity)) return undefined;
      return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(body) };
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const answer = parse();
      if (answer) {
        clearTimeout(deadline);
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    socket.write(request);
  });
}

const JSON_BODY = '{"title":"Dune"}';
const post2 = (url: string, contentTypes: string[], body = JSON_BODY) =>
  `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\n${contentTypes.map((c) => `Content-Type: ${c}\r\n`).join('')}Content-Length: ${body.length}\r\n\r\n${body}`;

/** The headers every answer carries, taken from an ordinary 404. */
let baseline: Record<string, string>;
beforeAll(async () => {
  const notFound = await send('GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  expect(notFound.status).toBe(404);
  baseline = Object.fromEntries(
    Object.entries(notFound.headers).filter(
      ([name]) =>
        name.startsWith('x-content-type') ||
        name === 'content-security-policy' ||
        name === 'cross-origin-resource-policy' ||
        name === 'strict-transport-security',
    ),
  );
  expect(Object.keys(baseline).sort()).toEqual([
    'content-security-policy',
    'cross-origin-resource-policy',
    'strict-transport-security',
    'x-content-type-options',
  ]);
});

function expectProblem(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(answer.headers).toMatchObject(baseline);
  expect(answer.headers['x-request-id']).toMatch(/^[\w.:-]+$/);
  expect(answer.body).toMatchObject({ status, code, requestId: answer.headers['x-request-id'] });
  expect(answer.body.type).toBe(`urn:basalt:error:${code}`);
}

describe('conflicting Content-Type headers', () => {
  it('accepts a body with one Content-Type (the control)', async () => {
    const answer = await send(post2('/books', ['application/json']));
    expect(answer.status).toBe(201);
  });

  it('refuses JSON then text/plain with 400, naming the duplicate', async () => {
    const answer = await send(post2('/books', ['application/json', 'text/plain']));
    expectProblem(answer, 400, 'BASALT_HTTP_BAD_REQUEST');
    expect(answer.body.detail).toBe('The request has 2 Content-Type headers; send exactly one');
  });

  it('refuses the same Content-Type sent twice with 400', async () => {
    const answer = await send(post2('/books', ['application/json', 'application/json']));
    expectProblem(answer, 400, 'BASALT_HTTP_BAD_REQUEST');
  });

  it('refuses text/plain then JSON with 415 (the first one is not JSON)', async () => {
    const answer = await send(post2('/books', ['text/plain', 'application/json']));
    expectProblem(answer, 415, 'BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses two Content-Types on an endpoint that reads its body as a stream', async () => {
    const answer = await send(post2('/raw', ['multipart/form-data; boundary=x', 'application/json']));
    expectProblem(answer, 400, 'BASALT_HTTP_BAD_REQUEST');
  });
});

describe('errors before routing are problem+json with a request id and the security headers', () => {
  it.each([
    [
      'an unknown method (TRACK)',
      'TRACK /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      400,
      'BASALT_HTTP_BAD_REQUEST',
    ],
    ['a lone percent sign', 'GET /% HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 400, 'BASALT_HTTP_BAD_REQUEST'],
    ['a bad escape', 'GET /ping%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 400, 'BASALT_HTTP_BAD_REQUEST'],
    [
      'a 20 KB header',
      `GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`,
      431,
      'BASALT_HTTP_HEADERS_TOO_LARGE',
    ],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n', 400, 'BASALT_HTTP_BAD_REQUEST'],
    [
      'two different Content-Lengths (request smuggling)',
      'POST /books HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 16\r\nContent-Length: 5\r\n\r\n{"title":"Dune"}',
      400,
      'BASALT_HTTP_BAD_REQUEST',
    ],
    [
      'Content-Length with Transfer-Encoding: chunked (request smuggling)',
      'POST /books HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 16\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"title":"Dune"}\r\n0\r\n\r\n',
      400,
      'BASALT_HTTP_BAD_REQUEST',
    ],
    [
      'a path without its leading slash',
      'GET ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      400,
      'BASALT_HTTP_BAD_REQUEST',
    ],
    [
      'CONNECT (this server is not a proxy)',
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      405,
      'BASALT_HTTP_METHOD_NOT_ALLOWED',
    ],
    [
      'a method Fastify has no route for',
      'PROPFIND /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      404,
      'BASALT_HTTP_NOT_FOUND',
    ],
  ])('answers %s', async (_, request, status, code) => {
    expectProblem(await send(request), status, code);
  });

  it('closes the connection after answering CONNECT', async () => {
    const answer = await send('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(answer.headers.connection).toBe('close');
    expect(answer.body.detail).toBe('CONNECT is not supported: this server is not a proxy');
  });
});
