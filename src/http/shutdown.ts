import { type IncomingMessage, Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CODES } from '../core/index.js';
import { REQUEST_ID } from './client-errors.js';
import { PROBLEM_CONTENT_TYPE, type Problem } from './problem.js';

/** How long a connection answered early with `Connection: close` still reads what the client sends. */
const LINGER_MS = 1_000;

/**
 * Closing at once after an early answer (415 to an upload, 429, 413, a 503 while stopping)
 * resets the connection while the client is still sending its body, and the client sees
 * EPIPE or ECONNRESET instead of the answer. As nginx's lingering close does, the server
 * ends its side, keeps reading and discarding for up to LINGER_MS (or until the body is
 * complete), then closes: a client that drips its body still loses the connection within a
 * second. Node closes a `Connection: close` answer with `socket.destroySoon()`, the one
 * place to do it.
 */
export function lingerBeforeClosing(raw: IncomingMessage): void {
  const socket = raw.socket;
  socket.destroySoon = () => {
    socket.end();
    const close = () => {
      clearTimeout(timer);
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
    };
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    if (raw.complete) close();
    else {
      raw.once('end', close);
      raw.resume();
    }
  };
}

type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * Stops an HTTP server without resetting a connection mid-request.
 *
 * Node's `server.close()` destroys every connection that is between two requests at that
 * instant, including one whose next request is already on the wire: under load, that is
 * most kept-alive connections, and their clients get ECONNRESET without knowing whether the
 * request ran. Here, once stopping starts, every request that arrives is answered 503
 * problem+json with `Connection: close` (never run: safe to send again, to a running
 * server), and answers still in flight get `Connection: close`. Connections between requests
 * stay open for `idleGraceMs`, and in any case until the last request in flight has
 * finished: a busy client's next request comes within that time and gets its 503, and the
 * connection then closes. Only the connections still idle after that are closed, as Node
 * would have. (A connection accepted but still silent is not idle to Node: it waits for its
 * request, within HEADERS_TIMEOUT, which then gets its 503.)
 */
export class GracefulShutdown {
  readonly #server: Server;
  readonly #sockets = new Set<HttpSocket>();
  readonly #idleGraceMs: number;
  #started = false;

  constructor(server: Server, options: { idleGraceMs: number }) {
    this.#server = server;
    this.#idleGraceMs = options.idleGraceMs;
    server.on('connection', (socket: HttpSocket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** Called just before the server stops listening; `headers` go on every 503. */
  begin(headers: Readonly<Record<string, string>>, newRequestId: () => string): void {
    if (this.#started) return;
    this.#started = true;
    const server = this.#server;
    // Requests parsed from now on never reach the app.
    server.removeAllListeners('request');
    server.on('request', (request: IncomingMessage, response: ServerResponse) =>
      answerStopping(request, response, headers, newRequestId),
    );
    const waits: Promise<void>[] = [];
    const idle: HttpSocket[] = [];
    for (const socket of this.#sockets) {
      const response = socket._httpMessage;
      if (!response || response.writableFinished) {
        idle.push(socket);
        continue;
      }
      if (!response.headersSent) response.setHeader('connection', 'close');
      waits.push(
        new Promise((resolve) => {
          response.once('close', resolve);
          socket.once('close', resolve);
        }),
      );
    }
    if (idle.length > 0 && this.#idleGraceMs > 0) waits.push(closedOrAfter(idle, this.#idleGraceMs));
    // server.close() calls this at once; it runs once the waits are over.
    server.closeIdleConnections = () => undefined;
    void Promise.all(waits).then(() => Server.prototype.closeIdleConnections.call(server));
  }
}

/** Resolves once every socket has closed, or after `ms`. */
function closedOrAfter(sockets: readonly Socket[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    let open = sockets.length;
    const timer = setTimeout(resolve, ms);
    for (const socket of sockets)
      socket.once('close', () => {
        open -= 1;
        if (open === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
  });
}

/** The answer to a request that arrives while the server stops. */
function answerStopping(
  request: IncomingMessage,
  response: ServerResponse,
  headers: Readonly<Record<string, string>>,
  newRequestId: () => string,
): void {
  const incoming = request.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newRequestId();
  const url = request.url ?? '';
  const problem: Problem = {
    type: 'urn:basalt:error:BASALT_HTTP_SERVICE_UNAVAILABLE',
    title: ERROR_CODES.BASALT_HTTP_SERVICE_UNAVAILABLE.title,
    status: 503,
    detail: 'The server is stopping and did not run this request; send it again on a new connection',
    instance: url.length > 1024 ? `${url.slice(0, 1024)}…` : url,
    code: 'BASALT_HTTP_SERVICE_UNAVAILABLE',
    requestId,
  };
  const body = JSON.stringify(problem);
  if (!request.complete) lingerBeforeClosing(request);
  response.writeHead(503, {
    ...headers,
    'x-request-id': requestId,
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}
