import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  parse,
  subscribe,
} from 'graphql';
import type { Disposable } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { OriginPolicy } from '../auth/internal.js';
import { NotFoundError } from '../core/index.js';
import { get, type RequestContext, respond } from '../http/index.js';
import type { GraphQLExecutor, GraphQLRequest } from './executor.js';
import type { GraphQLContext } from './schema.js';
import type { OpenStreams } from './stream.js';

/** The largest message a client may send (a subscribe message carries its document). */
const MAX_PAYLOAD = 256 * 1024;
/** How long a connection may stay without `connection_init` (graphql-ws closes it, 4408). */
const INIT_TIMEOUT_MS = 5_000;
/** Headers of the upgrade request the app's own authentication reads. */
const FORWARDED = ['host', 'origin', 'referer', 'user-agent', 'x-forwarded-host', 'x-forwarded-proto'];
const NONCE_HEADER = 'x-basalt-graphql-ws';
/** The document of a refused subscribe message (never run). */
const EMPTY = parse('{ __typename }');

/** What one connection runs with, set when it is accepted. */
type Connection = { context?: GraphQLContext };

/** The root value of a subscribe message refused before it ran: what to answer instead. */
const REFUSED = Symbol('refused');
type Refused = { [REFUSED]: GraphQLFormattedError[] };

function refusedOf(args: ExecutionArgs): GraphQLFormattedError[] | undefined {
  const root = args.rootValue as Partial<Refused> | undefined;
  return root?.[REFUSED];
}

/** `{ authorization: 'Bearer …' }` or `{ token: '…' }` of a `connection_init` payload. */
function bearerOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  const header = params.authorization ?? params.Authorization;
  if (typeof header === 'string') return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? '';
  return typeof params.token === 'string' ? params.token : undefined;
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) on the API's path,
 * beside Server-Sent Events. A connection is authenticated once, by the app's own
 * authentication run on a request made of its upgrade: a bearer token from `connection_init`'s
 * payload, else the session cookie — then only from the API's own or a trusted origin (no
 * cross-site WebSocket hijacking). Anonymous connections are refused (4403). Each subscribe
 * message meets the same limits, persisted-query rule and policies as a POST.
 */
export class GraphQLWebSocket {
  readonly #path: string;
  readonly #schema: GraphQLSchema;
  readonly #executor: GraphQLExecutor;
  readonly #origins: OriginPolicy;
  readonly #production: boolean;
  readonly #open: OpenStreams;
  readonly #onConnection: (server: Server) => void;
  readonly #contextOf: (ctx: RequestContext) => GraphQLContext;
  /** Upgrades being authenticated, by their one-time nonce. */
  readonly #pending = new Map<string, (ctx: RequestContext) => void>();
  #wss: WebSocketServer | undefined;
  #disposable: Disposable | undefined;

  constructor(options: {
    path: string;
    schema: GraphQLSchema;
    executor: GraphQLExecutor;
    trustedOrigins: readonly string[];
    production: boolean;
    open: OpenStreams;
    onConnection: (server: Server) => void;
    /** The resolvers' context of a request (its actor, database and log), as for POST. */
    contextOf: (ctx: RequestContext) => GraphQLContext;
  }) {
    this.#path = options.path;
    this.#schema = options.schema;
    this.#executor = options.executor;
    this.#origins = new OriginPolicy(options.trustedOrigins);
    this.#production = options.production;
    this.#open = options.open;
    this.#onConnection = options.onConnection;
    this.#contextOf = options.contextOf;
  }

  /**
   * The route a connection is authenticated through: the app's context providers (bearer
   * token, session cookie) run on it as on any request. It answers only a pending upgrade's
   * nonce, from this process.
   */
  route() {
    return get(
      `${this.#path}/websocket-auth`,
      { auth: 'optional', hidden: true, summary: 'GraphQL over WebSocket: authenticates a connection' },
      (ctx) => {
        const nonce = ctx.request.headers[NONCE_HEADER];
        const accept = typeof nonce === 'string' ? this.#pending.get(nonce) : undefined;
        if (!accept) throw new NotFoundError();
        accept(ctx);
        return respond(204, null);
      },
    );
  }

  /** Starts answering upgrades on the app's server. */
  start(fastify: FastifyInstance): void {
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
    this.#wss = wss;
    this.#disposable = useServer<Record<string, unknown>, Connection>(
      {
        schema: this.#schema,
        connectionInitWaitTimeout: INIT_TIMEOUT_MS,
        isProd: this.#production,
        onConnect: (ctx) => this.#connect(fastify, ctx.extra, ctx.connectionParams),
        onSubscribe: (ctx, _id, payload) => this.#subscribe(ctx.extra, payload),
        // graphql-js's functions as imported here (one instance of graphql with the schema's),
        // and a refusal answered as SSE answers it: one result with the errors, then complete.
        execute: (args) => {
          const refused = refusedOf(args);
          return refused ? ({ errors: refused } as unknown as ExecutionResult) : execute(args);
        },
        subscribe: (args) => {
          const refused = refusedOf(args);
          return refused ? ({ errors: refused } as unknown as ExecutionResult) : subscribe(args);
        },
        onNext: (_ctx, _id, _payload, _args, result) => {
          if (!result.errors) return result;
          return {
            ...result,
            errors: result.errors.map((e) =>
              e instanceof GraphQLError ? this.#executor.format([e])[0]! : e,
            ),
          };
        },
      },
      wss,
    );
    const server = fastify.server;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const pathname = (request.url ?? '').split('?')[0];
      if (pathname !== this.#path) {
        // Nobody else answers upgrades here: end the socket rather than leave it hanging.
        if (server.listenerCount('upgrade') === 1) socket.destroy();
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        const end = () => ws.close(1001, 'Server shutting down');
        this.#open.add(end);
        ws.once('close', () => this.#open.delete(end));
        this.#onConnection(server);
        wss.emit('connection', ws, request);
      });
    });
  }

  /** Closes every connection (1001) and stops answering upgrades. */
  async stop(): Promise<void> {
    await this.#disposable?.dispose();
    this.#wss?.close();
  }

  async #connect(
    fastify: FastifyInstance,
    extra: Extra & Partial<Connection>,
    params: Readonly<Record<string, unknown>> | undefined,
  ): Promise<boolean> {
    const upgrade = extra.request;
    const token = bearerOf(params);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = upgrade.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    else if (typeof upgrade.headers.cookie === 'string') headers.cookie = upgrade.headers.cookie;
    const nonce = randomBytes(18).toString('base64url');
    headers[NONCE_HEADER] = nonce;
    let seen: RequestContext | undefined;
    this.#pending.set(nonce, (ctx) => {
      seen = ctx;
    });
    try {
      const res = await fastify.inject({
        method: 'GET',
        url: `${this.#path}/websocket-auth`,
        headers,
        remoteAddress: upgrade.socket.remoteAddress ?? '127.0.0.1',
      });
      // A refused token (401), a rate limit (429): no connection.
      if (res.statusCode !== 204 || !seen) return false;
    } finally {
      this.#pending.delete(nonce);
    }
    const ctx: RequestContext = seen;
    if (ctx.user === null) return false;
    if (token === undefined && !this.#sameSite(ctx.request)) return false;
    extra.context = this.#contextOf(ctx);
    return true;
  }

  /** A cookie-authenticated connection must come from the API's own or a trusted origin. */
  #sameSite(request: FastifyRequest): boolean {
    // Browsers always send Origin on a WebSocket handshake; a client without one is no browser
    // page, and cannot carry another site's cookies.
    try {
      this.#origins.check(request);
      return true;
    } catch {
      return false;
    }
  }

  #subscribe(
    extra: Extra & Partial<Connection>,
    payload: { query: string; variables?: unknown; operationName?: unknown; extensions?: unknown },
  ): ExecutionArgs {
    const request: GraphQLRequest = payload;
    const context = extra.context;
    const prepared = context
      ? this.#executor.prepareSubscription(request)
      : { refused: { body: { errors: [{ message: 'The connection is not authenticated' }] } } };
    if ('refused' in prepared) {
      const root: Refused = { [REFUSED]: prepared.refused.body.errors ?? [] };
      return { schema: this.#schema, document: EMPTY, rootValue: root };
    }
    return {
      schema: this.#schema,
      document: prepared.document,
      operationName: (request.operationName as string | null | undefined) ?? null,
      variableValues: (request.variables ?? null) as Record<string, unknown> | null,
      contextValue: context,
    };
  }
}
