import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { BasaltError, type Logger } from '../core/index.js';
import type { ContextProvider, RequestContext, RequestHook } from './context.js';
import {
  type AnyDependency,
  type Dependencies,
  flattenDependencies,
  resolveDependencies,
} from './dependency.js';
import { type AnyEndpoint, type HttpMethod, isTypedResponse, responseSchemas } from './endpoint.js';
import { LazyChildLogger } from './lazy-logger.js';
import { sendProblem, toProblem } from './problem.js';
import { mergeObjectSchemas, plainSchema } from './schema.js';
import { securityHeaders } from './security-headers.js';
import { createValidatorCompiler } from './validators.js';

/** What the HTTP server is built from. */
export interface HttpServerOptions {
  routes: readonly AnyEndpoint[];
  log: Logger;
  production: boolean;
  development: boolean;
  bodyLimit: number;
  trustProxy: boolean;
  accessLog: boolean;
  corsOrigins: readonly string[];
  contextProviders: readonly ContextProvider[];
  requestHooks?: { onRequest: readonly RequestHook[]; onResponse: readonly RequestHook[] };
}

const REQUEST_ID = /^[\w.:-]{1,200}$/;
// Generated ids: a random per-process prefix and a counter — unique across workers and
// hosts in practice, and far cheaper per request than a UUID.
const ID_PREFIX = randomBytes(4).toString('hex');
let idCounter = 0;
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** `/books/:id` → `/books/{id}`, the OpenAPI form. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function successStatus(endpoint: AnyEndpoint): number {
  const statuses = Object.keys(responseSchemas(endpoint.method, endpoint.spec))
    .map(Number)
    .filter((s) => s >= 200 && s < 300)
    .sort((a, b) => a - b);
  return statuses[0] ?? (endpoint.method === 'POST' ? 201 : 200);
}

/** Builds the Fastify instance: routes with compiled schemas, problem+json errors, 404/405, headers. */
export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const fastify = Fastify({
    // Fastify gets no logger: with one it builds a child logger and attaches response
    // listeners on every request. Basalt logs itself, binding the request id lazily.
    logger: false,
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      if (typeof incoming === 'string' && REQUEST_ID.test(incoming)) return incoming;
      idCounter += 1;
      return `${ID_PREFIX}-${idCounter.toString(36)}`;
    },
  });
  fastify.setValidatorCompiler(createValidatorCompiler());
  // JSON only: a text/plain body to a JSON endpoint is a 415, not a string that fails later.
  fastify.removeContentTypeParser('text/plain');

  const headers = securityHeaders({ production: options.production });
  const log = options.log;
  const development = options.development;

  fastify.setErrorHandler((error, request, reply) => {
    const { problem, headers: extra, unexpected } = toProblem(error, request, { development });
    if (unexpected) log.error({ err: error, requestId: request.id }, 'unhandled error');
    reply.headers(headers).header('x-request-id', request.id);
    return sendProblem(reply, problem, extra);
  });
  fastify.setNotFoundHandler((request, reply) => {
    const error = new BasaltError(
      'BASALT_HTTP_NOT_FOUND',
      `No route matches ${request.method} ${request.url.split('?')[0]}`,
    );
    const { problem } = toProblem(error, request, { development });
    reply.headers(headers).header('x-request-id', request.id);
    return sendProblem(reply, problem);
  });

  if (options.accessLog) {
    fastify.addHook('onResponse', (request, reply, done) => {
      log.info(
        {
          requestId: request.id,
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request',
      );
      done();
    });
  }

  for (const hook of options.requestHooks?.onRequest ?? [])
    fastify.addHook('onRequest', async (request, reply) => hook(request, reply));
  for (const hook of options.requestHooks?.onResponse ?? []) {
    fastify.addHook('onResponse', async (request, reply) => {
      try {
        await hook(request, reply);
      } catch (error) {
        // The answer is already sent: an after-request hook can only log its failure.
        log.error({ err: error, requestId: request.id }, 'onResponse hook failed');
      }
    });
  }

  if (options.corsOrigins.length > 0) {
    const { default: cors } = await import('@fastify/cors');
    const any = options.corsOrigins.includes('*');
    await fastify.register(cors, { origin: any ? '*' : [...options.corsOrigins], credentials: !any });
  }

  const methodsByPath = new Map<string, Set<string>>();
  for (const endpoint of options.routes) {
    const key = endpoint.path;
    const methods = methodsByPath.get(key) ?? new Set<string>();
    if (methods.has(endpoint.method)) {
      throw new BasaltError(
        'BASALT_ROUTE_CONFLICT',
        `Two endpoints are declared for ${endpoint.method} ${endpoint.path}`,
      );
    }
    methods.add(endpoint.method);
    methodsByPath.set(key, methods);
    registerEndpoint(fastify, endpoint, headers, options.contextProviders, log);
  }

  // A known path with an undeclared method is a 405 naming the allowed ones, not a 404.
  for (const [path, declared] of methodsByPath) {
    const allowed = [...declared];
    if (declared.has('GET')) allowed.push('HEAD');
    const missing: string[] = METHODS.filter((m) => !declared.has(m));
    if (options.corsOrigins.length === 0) missing.push('OPTIONS');
    if (missing.length === 0) continue;
    const allow = allowed.join(', ');
    fastify.route({
      method: missing,
      url: path,
      handler: (request, reply) => {
        const error = new BasaltError(
          'BASALT_HTTP_METHOD_NOT_ALLOWED',
          `${request.method} is not allowed here; use ${allow}`,
          {
            headers: { allow },
          },
        );
        const { problem, headers: extra } = toProblem(error, request, { development });
        reply.headers(headers).header('x-request-id', request.id);
        return sendProblem(reply, problem, extra);
      },
    });
  }
  return fastify;
}

function registerEndpoint(
  fastify: FastifyInstance,
  endpoint: AnyEndpoint,
  headers: Record<string, string>,
  providers: readonly ContextProvider[],
  log: Logger,
): void {
  const spec = endpoint.spec;
  const dependencies = flattenDependencies(spec.use as Dependencies | undefined);
  const querySchema = mergeObjectSchemas([spec.query, ...dependencies.map((d: AnyDependency) => d.query)]);
  const headerSchema = mergeObjectSchemas([
    spec.headers,
    ...dependencies.map((d: AnyDependency) => d.headers),
  ]);
  const response: Record<number, unknown> = {};
  for (const [status, schema] of Object.entries(responseSchemas(endpoint.method, spec))) {
    response[Number(status)] = plainSchema(schema);
  }
  const status = successStatus(endpoint);
  const use = spec.use as Dependencies | undefined;
  const hasDependencies = use !== undefined && Object.keys(use).length > 0;
  const handler = endpoint.handler as (context: unknown) => unknown;

  fastify.route({
    method: endpoint.method,
    url: endpoint.path,
    bodyLimit: spec.bodyLimit,
    schema: definedOnly({
      params: spec.params ? plainSchema(spec.params) : undefined,
      querystring: querySchema,
      headers: headerSchema,
      body: spec.body ? plainSchema(spec.body, { strict: true }) : undefined,
      response: Object.keys(response).length > 0 ? response : undefined,
    }),
    handler: (request: FastifyRequest, reply: FastifyReply) => {
      reply.headers(headers);
      reply.header('x-request-id', request.id);
      // Members capabilities add (db, ...) are filled in by their context providers below.
      const context = {
        request,
        reply,
        requestId: request.id,
        log: new LazyChildLogger(log, { requestId: request.id }) as unknown as Logger,
        user: null,
        params: request.params,
        query: request.query,
        headers: request.headers,
        body: request.body,
      } as unknown as RequestContext & Record<string, unknown>;
      // Stay synchronous unless something is async: an await per request is measurable.
      const provided = runProviders(providers, context, 0);
      if (provided !== undefined || hasDependencies) {
        return (async () => {
          await provided;
          if (hasDependencies) await resolveDependencies(use, context, new Map(), context);
          return finish(reply, await handler(context), status);
        })();
      }
      const result = handler(context);
      return isThenable(result)
        ? result.then((value) => finish(reply, value, status))
        : finish(reply, result, status);
    },
  });
}

function definedOnly<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Runs context providers in order, going asynchronous only from the first that returns a promise. */
function runProviders(
  providers: readonly ContextProvider[],
  context: RequestContext,
  from: number,
): Promise<void> | undefined {
  for (let i = from; i < providers.length; i += 1) {
    const pending = providers[i]!(context);
    if (pending !== undefined) return pending.then(() => runProviders(providers, context, i + 1));
  }
  return undefined;
}

/** Turns a handler's result into the answer: the body to send, or undefined once sent. */
function finish(reply: FastifyReply, result: unknown, status: number): unknown {
  if (isTypedResponse(result)) {
    reply.code(result.status);
    if (result.headers) reply.headers(result.headers);
    if (result.status !== 204) return result.body;
    reply.send();
    return undefined;
  }
  if (result === undefined) {
    reply.code(status === 200 ? 204 : status).send();
    return undefined;
  }
  if (status !== 200) reply.code(status);
  return result;
}
