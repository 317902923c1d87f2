import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { BasaltError } from '../core/index.js';

/**
 * How many Content-Type header lines a request carries. Node keeps the first and drops the
 * others, so `request.headers` cannot tell; the raw list can.
 */
export function contentTypeCount(raw: IncomingMessage): number {
  const lines = raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < lines.length; i += 2) {
    const name = lines[i]!;
    if (name.length === 12 && name.toLowerCase() === 'content-type') count += 1;
  }
  return count;
}

/**
 * A body announced by two Content-Type lines is refused: Node reads it as the first one, a
 * proxy or a WAF in front may have judged it by the other, and the client meant one of them.
 */
export function assertSingleContentType(raw: IncomingMessage): void {
  const count = contentTypeCount(raw);
  if (count > 1)
    throw new BasaltError(
      'BASALT_HTTP_BAD_REQUEST',
      `The request has ${count} Content-Type headers; send exactly one`,
    );
}

/**
 * Fastify's own JSON parser, behind a check that the body has one Content-Type. Checked
 * here rather than in a hook: only requests with a body pay for it.
 */
export function installJsonParser(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      assertSingleContentType(request.raw);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
