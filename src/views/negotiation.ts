import type { FastifyRequest } from 'fastify';

/**
 * True when the client asks for HTML before JSON: a browser's navigation (`text/html,...`)
 * does, `fetch()` without an Accept header (`*\/*`) and API clients (`application/json`,
 * `application/problem+json`) do not.
 */
export function prefersHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  if (typeof accept !== 'string') return false;
  const html = accept.indexOf('text/html');
  if (html === -1) return false;
  const json = accept.search(/application\/(?:[\w.+-]*\+)?json/);
  return json === -1 || html < json;
}
