import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError } from 'fastify';
import { BasaltError, ERROR_CODES, type ErrorCode } from '../core/index.js';
import { PROBLEM_CONTENT_TYPE, type Problem } from './problem.js';

/** The Basalt error for a router error Fastify reports through `frameworkErrors`. */
export function routerError(error: FastifyError): BasaltError {
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new BasaltError('BASALT_HTTP_URI_TOO_LONG', 'A path segment is longer than the router accepts');
    case 'FST_ERR_BAD_URL':
      return new BasaltError('BASALT_HTTP_BAD_REQUEST', "The URL's path is not valid percent-encoded UTF-8");
    default:
      return new BasaltError('BASALT_HTTP_BAD_REQUEST', 'The request could not be routed');
  }
}

/** Node's parser and timeout errors, by the code Node gives them. */
const CLIENT_ERRORS: Record<string, { code: ErrorCode; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'BASALT_HTTP_REQUEST_TIMEOUT',
    detail: 'The request was not received in time; the connection is closed',
  },
  HPE_HEADER_OVERFLOW: {
    code: 'BASALT_HTTP_HEADERS_TOO_LARGE',
    detail: "The request's headers are larger than the server accepts",
  },
  HPE_INVALID_METHOD: {
    code: 'BASALT_HTTP_BAD_REQUEST',
    detail: 'The request method is not one this server knows',
  },
};

/**
 * Answers an error Node raises outside any request Fastify routes (a request that cannot be
 * parsed, headers or a body that did not arrive in time) with the problem+json, request id
 * and security headers of every other error, then closes the connection.
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: Socket,
  headers: Readonly<Record<string, string>>,
  newRequestId: () => string,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean; req?: { url?: string } } })
    ._httpMessage;
  // An answer has started on this connection: nothing more can be said on it.
  if (!socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  const known = CLIENT_ERRORS[error.code ?? ''] ?? {
    code: 'BASALT_HTTP_BAD_REQUEST' as const,
    detail: 'The request could not be parsed as HTTP',
  };
  writeRawProblem(socket, known, pending?.req?.url ?? '', headers, newRequestId());
}

/**
 * Answers a CONNECT request, which Node hands to the server's 'connect' listeners instead of
 * Fastify: a 405 problem like any other, then the connection is closed.
 */
export function answerConnect(
  request: IncomingMessage,
  socket: Socket,
  headers: Readonly<Record<string, string>>,
  newRequestId: () => string,
): void {
  if (socket.destroyed) return;
  const incoming = request.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newRequestId();
  writeRawProblem(
    socket,
    {
      code: 'BASALT_HTTP_METHOD_NOT_ALLOWED',
      detail: 'CONNECT is not supported: this server is not a proxy',
    },
    request.url ?? '',
    headers,
    requestId,
  );
}

/** Accepted incoming request ids (others are replaced by a generated one). */
export const REQUEST_ID = /^[\w.:-]{1,200}$/;

/** Writes a problem answer straight to a socket Fastify does not own, then closes it. */
function writeRawProblem(
  socket: Socket,
  known: { code: ErrorCode; detail: string },
  url: string,
  headers: Readonly<Record<string, string>>,
  requestId: string,
): void {
  const { status, title } = ERROR_CODES[known.code];
  const problem: Problem = {
    type: `urn:basalt:error:${known.code}`,
    title,
    status,
    detail: known.detail,
    instance: url.length > 1024 ? `${url.slice(0, 1024)}…` : url,
    code: known.code,
    requestId,
  };
  const body = JSON.stringify(problem);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    `content-type: ${PROBLEM_CONTENT_TYPE}`,
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    `x-request-id: ${requestId}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}
