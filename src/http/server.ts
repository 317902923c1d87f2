import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { BasaltError, type Logger } from '../core/index.js';
import { installHostValidation } from './allowed-hosts.js';
import { type Authentication, type EndpointGuard, enforceGuard, requiresUser } from './auth.js';
import { answerClientError, answerConnect, REQUEST_ID, routerError } from './client-errors.js';
import { assertSingleContentType, installJsonParser } from './content-type.js';
import type { ContextProvider, RequestContext, RequestHook, RequestWrapper } from './context.js';
import {
  type AnyDependency,
  type Dependencies,
  flattenDependencies,
  resolveDependencies,
} from './dependency.js';
import {
  type AnyEndpoint,
  type EndpointRateLimit,
  type HttpMethod,
  isTypedResponse,
  responseSchemas,
} from './endpoint.js';
import { LazyChildLogger } from './lazy-logger.js';
import { sendProblem, toProblem } from './problem.js';
import {
  consumeRateLimit,
  parseDuration,
  type RateLimitStore,
  rateLimitError,
  rateLimitHeaders,
} from './rate-limit/index.js';
import { mergeObjectSchemas, plainSchema } from './schema.js';
import { securityHeaders } from './security-headers.js';
import { GracefulShutdown, lingerBeforeClosing } from './shutdown.js';
import { createValidatorCompiler } from './validators.js';

/** What the HTTP server is built from. */
export interface HttpServerOptions {
  routes: readonly AnyEndpoint[];
  log: Logger;
  production: boolean;
  development: boolean;
  bodyLimit: number;
  /** Slow-client limits in seconds (HEADERS_TIMEOUT, REQUEST_TIMEOUT, KEEP_ALIVE_TIMEOUT); Basalt's defaults when absent. */
  timeouts?: Partial<HttpTimeouts>;
  /**
   * How many proxies in front are trusted (`true` = 1): the client address is the
   * X-Forwarded-For entry that many hops back, so one a client wrote itself is never used.
   */
  trustProxy: boolean | number;
  accessLog: boolean;
  corsOrigins: readonly string[];
  contextProviders: readonly ContextProvider[];
  requestHooks?: { onRequest: readonly RequestHook[]; onResponse: readonly RequestHook[] };
  /** Around every request, outermost first (tracing); none costs nothing per request. */
  requestWrappers?: readonly RequestWrapper[];
  /** The installed authentication (`basalt/auth`); endpoints with `auth`/`permissions` need one. */
  authentication?: Authentication;
  /** Counters for endpoints' `rateLimit` (the memory store, or Redis when REDIS_URL is set). */
  rateLimitStore?: () => Promise<RateLimitStore>;
  /**
   * The app's default policy (`defineApp({ rateLimit })`): endpoints without a `rateLimit` of
   * their own share one counter under it; `rateLimit: false` opts an endpoint out.
   */
  defaultRateLimit?: EndpointRateLimit | undefined;
  /** ALLOWED_HOSTS: requests naming another host are refused (see `allowed-hosts.ts`). */
  allowedHosts?: readonly string[];
  /** PUBLIC_URL: absolute URLs start with it. */
  publicUrl?: string | undefined;
}

/** Slow-client limits of the HTTP server, in seconds. */
export interface HttpTimeouts {
  /** Time to receive the request line and headers. */
  headers: number;
  /** Time to receive the whole request, body included; 0 turns it off. */
  request: number;
  /** Time an idle keep-alive connection is kept between requests. */
  keepAlive: number;
}

const DEFAULT_TIMEOUTS: HttpTimeouts = { headers: 10, request: 30, keepAlive: 5 };

// Generated ids: a random per-process prefix and a counter — unique across workers and
// hosts in practice, and far cheaper per request than a UUID.
const ID_PREFIX = randomBytes(4).toString('hex');
let idCounter = 0;
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function newRequestId(): string {
  idCounter += 1;
  return `${ID_PREFIX}-${idCounter.toString(36)}`;
}

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

/**
 * Fastify's `true` trusts every hop and takes the left-most X-Forwarded-For entry, which the
 * client writes (nginx's `$proxy_add_x_forwarded_for` appends to it): rate limits and logs
 * would see any address a client names. Trusting a count of hops takes the entry the
 * nearest proxy added (`true` = one proxy). Fastify no longer accepts a bare count.
 */
function trustedHops(trust: boolean | number): false | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  const hops = trust === true ? 1 : trust;
  return (_address, hop) => hop < hops;
}

/** Builds the Fastify instance: routes with compiled schemas, problem+json errors, 404/405, headers. */
export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const timeouts = checkedTimeouts({ ...DEFAULT_TIMEOUTS, ...options.timeouts });
  const headers = securityHeaders({ production: options.production });
  const log = options.log;
  const development = options.development;
  const fastify = Fastify({
    // Fastify gets no logger: with one it builds a child logger and attaches response
    // listeners on every request. Basalt logs itself, binding the request id lazily.
    logger: false,
    bodyLimit: options.bodyLimit,
    trustProxy: trustedHops(options.trustProxy),
    // Stopping is GracefulShutdown's (below): a problem+json 503, no connection reset.
    return503OnClosing: false,
    forceCloseConnections: false,
    requestTimeout: Math.round(timeouts.request * 1000),
    keepAliveTimeout: Math.round(timeouts.keepAlive * 1000),
    http: {
      headersTimeout: Math.round(timeouts.headers * 1000),
      // Node looks for expired requests every 30 s by default: a 10 s limit could hold for 40.
      connectionsCheckingInterval: checkingInterval(timeouts),
    },
    // Router errors (a bad percent-encoding, a path segment over maxParamLength) and errors
    // Node's parser raises before Fastify sees a request answer problem+json like the rest.
    frameworkErrors: (error, request, reply) => {
      const { problem, headers: extra } = toProblem(routerError(error), request, { development });
      reply.headers(headers).header('x-request-id', request.id).header('connection', 'close');
      return sendProblem(reply, problem, extra);
    },
    clientErrorHandler: (error, socket) => answerClientError(error, socket, headers, newRequestId),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      if (typeof incoming === 'string' && REQUEST_ID.test(incoming)) return incoming;
      return newRequestId();
    },
  });
  // Idle connections get a second (at most the keep-alive timeout) to bring their next
  // request when stopping starts; none in development, where restarts should be instant.
  const idleGraceMs = development ? 0 : Math.min(1000, Math.round(timeouts.keepAlive * 1000));
  const shutdown = new GracefulShutdown(fastify.server, { idleGraceMs });
  fastify.addHook('preClose', (done) => {
    shutdown.begin(headers, newRequestId);
    done();
  });
  fastify.setValidatorCompiler(createValidatorCompiler());
  // JSON only: a text/plain body to a JSON endpoint is a 415, not a string that fails later.
  fastify.removeContentTypeParser('text/plain');
  installJsonParser(fastify);
  // CONNECT never reaches Fastify: Node hands it to 'connect' listeners and, with none,
  // destroys the socket without a word.
  fastify.server.on('connect', (request: IncomingMessage, socket: Socket) =>
    answerConnect(request, socket, headers, newRequestId),
  );

  fastify.setErrorHandler((error, request, reply) => {
    const { problem, headers: extra, unexpected } = toProblem(error, request, { development });
    if (unexpected) log.error({ err: error, requestId: request.id }, 'unhandled error');
    else if (problem.status === 503)
      log.warn({ requestId: request.id, code: problem.code, detail: problem.detail }, 'service unavailable');
    reply.headers(headers).header('x-request-id', request.id);
    // An error answered before the body was read (401, 413, 415, 429, ...): the rest of the
    // body would keep the connection busy for as long as the client cares to drip it.
    if (!request.raw.complete) {
      reply.header('connection', 'close');
      lingerBeforeClosing(request.raw);
    }
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

  // First of all hooks, so everything after (host validation, the handler, errors) runs inside.
  for (const wrapper of options.requestWrappers ?? []) installWrapper(fastify, wrapper);

  installHostValidation(fastify, {
    allowedHosts: options.allowedHosts ?? [],
    publicUrl: options.publicUrl,
    production: options.production,
  });

  if (options.accessLog) {
    fastify.addHook('onResponse', (request, reply, done) => {
      log.info(
        {
          requestId: request.id,
          method: request.method,
          url: request.url,
          // The matched pattern (/api/books/:id): logs group by it, as metrics do.
          route: request.routeOptions.url ?? null,
          ip: request.ip,
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
  const streamed: AnyEndpoint[] = [];
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
    if (endpoint.spec.streamBody) streamed.push(endpoint);
    else registerEndpoint(fastify, endpoint, headers, options, log);
  }
  if (streamed.length > 0) {
    // Endpoints that read their body as a stream live in a scope of their own: multipart
    // through @fastify/multipart (loaded only then), any other type left unread.
    const { default: multipart } = await import('@fastify/multipart');
    await fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      // These endpoints read the body themselves; the one-Content-Type rule is checked here.
      scope.addHook('onRequest', (request, _reply, done) => {
        try {
          assertSingleContentType(request.raw);
          done();
        } catch (error) {
          done(error as Error);
        }
      });
      await scope.register(multipart);
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      scope.addHook('onSend', (request, _reply, payload, done) => {
        drainUnreadBody(request.raw);
        done(null, payload);
      });
      for (const endpoint of streamed) registerEndpoint(scope, endpoint, headers, options, log);
    });
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

function installWrapper(fastify: FastifyInstance, wrapper: RequestWrapper): void {
  fastify.addHook('onRequest', (request, reply, done) => wrapper.enter(request, reply, () => done()));
  if (wrapper.failed)
    fastify.addHook('onError', (request, reply, error, done) => {
      wrapper.failed?.(request, reply, error);
      done();
    });
  fastify.addHook('onResponse', (request, reply, done) => {
    wrapper.leave(request, reply);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    wrapper.leave(request, null);
    done();
  });
}

function registerEndpoint(
  fastify: FastifyInstance,
  endpoint: AnyEndpoint,
  headers: Record<string, string>,
  options: HttpServerOptions,
  log: Logger,
): void {
  const spec = endpoint.spec;
  const providers = options.contextProviders;
  const authentication = options.authentication;
  const guard: EndpointGuard = { auth: spec.auth, permissions: spec.permissions ?? [] };
  const limit = effectiveRateLimit(spec.rateLimit, options.defaultRateLimit);
  // An endpoint's own limit counts its requests; the default policy counts all it covers together.
  const limitPrefix = spec.rateLimit ? `${endpoint.method} ${endpoint.path}` : '*';
  if (limit) parseDuration(limit.window); // a bad window fails at start-up, not per request
  const needsUser = requiresUser(guard);
  // Authentication is settled before validation (a 401, never a 400 describing the schema,
  // for an anonymous client) when something could fail validation: a body, a query, headers
  // or typed params. A bare GET/DELETE checks in the handler instead, saving a hook per request.
  const validates =
    (endpoint.method !== 'GET' && endpoint.method !== 'DELETE') ||
    spec.params !== undefined ||
    spec.query !== undefined ||
    spec.headers !== undefined ||
    flattenDependencies(spec.use as Dependencies | undefined).some((d) => d.query || d.headers);
  const guarded = (needsUser && validates) || limit !== undefined;
  const lateGuard = needsUser && !guarded;
  if ((requiresUser(guard) || spec.auth === 'optional') && !authentication) {
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `${endpoint.method} ${endpoint.path} declares auth or permissions, but no authentication module is installed (add auth() from basalt/auth to the app's modules)`,
    );
  }
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
  // The security headers as two arrays: reply.headers() would list the object's keys per request.
  const headerNames = Object.keys(headers);
  const headerValues = headerNames.map((name) => headers[name]!);

  fastify.route({
    method: endpoint.method,
    url: endpoint.path,
    bodyLimit: spec.bodyLimit,
    // Read by the session check (basalt/auth): a form page's token is in its body.
    config: { csrf: spec.csrf ?? 'header' },
    schema: definedOnly({
      params: spec.params ? plainSchema(spec.params) : undefined,
      querystring: querySchema,
      headers: headerSchema,
      body: spec.body ? plainSchema(spec.body, { strict: true }) : undefined,
      response: Object.keys(response).length > 0 ? response : undefined,
    }),
    // Authentication and permissions are settled before the body is parsed and validated:
    // an anonymous client gets a 401, never a 400 describing the schema.
    ...(guarded
      ? {
          onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
            const context = makeContext(request, reply, log);
            await runProviders(providers, context, 0);
            if (limit) await applyRateLimit(limit, limitPrefix, context, options, log);
            await enforceGuard(guard, authentication, context);
            (request as GuardedRequest)[PREPARED] = context;
          },
        }
      : {}),
    handler: (request: FastifyRequest, reply: FastifyReply) => {
      for (let i = 0; i < headerNames.length; i += 1) reply.header(headerNames[i]!, headerValues[i]!);
      reply.header('x-request-id', request.id);
      const prepared = guarded ? (request as GuardedRequest)[PREPARED] : undefined;
      if (prepared) {
        prepared.params = request.params;
        prepared.query = request.query;
        prepared.body = request.body;
        return (async () => {
          if (hasDependencies) await resolveDependencies(use, prepared, new Map(), prepared);
          return finish(reply, await handler(prepared), status);
        })();
      }
      // Members capabilities add (db, ...) are filled in by their context providers below.
      const context = makeContext(request, reply, log);
      // Stay synchronous unless something is async: an await per request is measurable.
      const provided = runProviders(providers, context, 0);
      return provided === undefined ? invoke(context) : provided.then(() => invoke(context));
    },
  });

  // Declared once per endpoint, not per request: a closure made per request is an
  // allocation (and, under a TypeScript loader that keeps names, a defineProperty).
  function invoke(context: PreparedContext): unknown {
    const reply = context.reply;
    const checked = lateGuard ? enforceGuard(guard, authentication, context) : undefined;
    if (checked !== undefined || hasDependencies) {
      return (async () => {
        await checked;
        if (hasDependencies) await resolveDependencies(use, context, new Map(), context);
        return finish(reply, await handler(context), status);
      })();
    }
    const result = handler(context);
    return isThenable(result)
      ? result.then((value) => finish(reply, value, status))
      : finish(reply, result, status);
  }
}

/** The limit an endpoint runs under: its own, none when it opts out, else the app's default. */
export function effectiveRateLimit(
  own: EndpointRateLimit | false | undefined,
  fallback: EndpointRateLimit | undefined,
): EndpointRateLimit | undefined {
  if (own === false) return undefined;
  return own ?? fallback;
}

/**
 * Counts the request against the endpoint's `rateLimit`: a 429 with `Retry-After` past it,
 * `RateLimit-*` headers otherwise. When the store fails (Redis down) the request goes
 * through and the failure is logged: limiting is protection, not a reason for an outage.
 */
async function applyRateLimit(
  limit: EndpointRateLimit,
  prefix: string,
  context: PreparedContext,
  options: HttpServerOptions,
  log: Logger,
): Promise<void> {
  const ip = context.request.ip;
  let subject: string;
  if (typeof limit.key === 'function') subject = `k:${limit.key(context) ?? `ip:${ip}`}`;
  else if (limit.key === 'user' && context.user) subject = `u:${context.user.id}`;
  else subject = `ip:${ip}`;
  let result: Awaited<ReturnType<typeof consumeRateLimit>>;
  try {
    const store = await options.rateLimitStore!();
    result = await consumeRateLimit(store, `${prefix}|${subject}`, limit);
  } catch (error) {
    log.error({ err: error, requestId: context.requestId }, 'rate limit store failed; request let through');
    return;
  }
  if (!result.allowed) throw rateLimitError(result);
  context.reply.headers(rateLimitHeaders(result));
}

type PreparedContext = RequestContext & Record<string, unknown>;
const PREPARED: unique symbol = Symbol('basalt.context');
type GuardedRequest = FastifyRequest & { [PREPARED]?: PreparedContext };

function makeContext(request: FastifyRequest, reply: FastifyReply, log: Logger): PreparedContext {
  return {
    request,
    reply,
    requestId: request.id,
    log: new LazyChildLogger(log, { requestId: request.id }) as unknown as Logger,
    user: null,
    params: request.params,
    query: request.query,
    headers: request.headers,
    body: request.body,
  } as unknown as PreparedContext;
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
    // 204 and 304 carry no body.
    if (result.status !== 204 && result.status !== 304) return result.body;
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

/** Largest rest of a refused body read and thrown away to keep the connection; beyond it, the socket is closed. */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/**
 * A streamed endpoint may answer (413, 415, an error) before it has read its whole body.
 * The rest is still arriving on the socket: left unread, the keep-alive connection stalls
 * and the client's next request on it is never read. Read it and throw it away, up to a
 * bound; a client that sends more than that loses the connection instead.
 */
function drainUnreadBody(raw: FastifyRequest['raw']): void {
  if (raw.readableEnded || raw.destroyed) return;
  raw.unpipe();
  let drained = 0;
  raw.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAINED_BYTES) raw.socket.destroy();
  });
  raw.resume();
}

function checkedTimeouts(timeouts: HttpTimeouts): HttpTimeouts {
  if (timeouts.request > 0 && timeouts.headers > timeouts.request)
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `HEADERS_TIMEOUT (${timeouts.headers} s) must not exceed REQUEST_TIMEOUT (${timeouts.request} s): the headers are part of the request`,
    );
  return timeouts;
}

/** How often Node looks for expired requests: a quarter of the shortest limit, between 0.1 s and 5 s. */
function checkingInterval(timeouts: HttpTimeouts): number {
  const shortest = Math.min(timeouts.headers, timeouts.request > 0 ? timeouts.request : Infinity);
  return Math.round(Math.min(5, Math.max(0.1, shortest / 4)) * 1000);
}
