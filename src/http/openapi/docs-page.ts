import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { escapeHtml } from '../../internal/html.js';
import { pageHeaders as pageHeadersFor } from '../security-headers.js';
import type { OpenApiDocument } from './document.js';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/**
 * Serves the document at `/openapi.json` and Swagger UI at `/docs`, from the
 * swagger-ui-dist package (no CDN; the page works offline).
 */
export function registerDocsRoutes(
  fastify: FastifyInstance,
  document: OpenApiDocument,
  headers: Record<string, string>,
): void {
  // Serialized once, with its ETag: the document is built when the app is created, and each
  // request sends the same bytes (or a 304 to a client that has them).
  const json = JSON.stringify(document);
  const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"`;
  const assetDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Buffer>();
  const pageHeaders = pageHeadersFor(headers);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)} — API docs</title>
<link rel="icon" href="/docs/favicon-32x32.png"><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`;
  const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

  fastify.get('/openapi.json', (request, reply) => {
    reply.headers(headers).header('x-request-id', request.id).header('etag', etag);
    if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(json);
  });
  fastify.get('/docs', (request, reply) => {
    reply.headers(pageHeaders).header('x-request-id', request.id).type('text/html; charset=utf-8').send(html);
  });
  fastify.get('/docs/init.js', (_request, reply) => {
    reply.headers(pageHeaders).type('text/javascript; charset=utf-8').send(init);
  });
  fastify.get<{ Params: { asset: string } }>('/docs/:asset', async (request, reply) => {
    const type = ASSETS[request.params.asset];
    if (!type) return reply.callNotFound();
    let body = cache.get(request.params.asset);
    if (!body) {
      body = await readFile(join(assetDir, request.params.asset));
      cache.set(request.params.asset, body);
    }
    return reply.headers(pageHeaders).header('cache-control', 'public, max-age=86400').type(type).send(body);
  });
}

/** Whether an If-None-Match header names `etag` (or is `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}
