import type { GraphQLSchema } from 'graphql';
import type { ModuleDefinition } from '../app/index.js';
import { NotFoundError } from '../core/index.js';
import type { Executor } from '../db/index.js';
import { get, post, type RequestContext, respond, t } from '../http/index.js';
import { modelEvents } from '../ops/internal.js';
import { requestActor } from '../rest/index.js';
import { graphqlCommands } from './commands.js';
import type { AnyGraphQLField } from './custom.js';
import { GraphQLExecutor, type GraphQLRequest } from './executor.js';
import { GraphiQLPage } from './graphiql.js';
import type { GraphQLLimits } from './limits.js';
import { PersistedQueries, type PersistedQueriesOptions } from './persisted.js';
import { RedisModelEvents } from './redis-events.js';
import { buildGraphQLSchema, type GraphQLCollections, type GraphQLContext } from './schema.js';
import { type OpenStreams, subscriptionStream } from './stream.js';
import { GraphQLWebSocket } from './websocket.js';

/** How subscriptions reach subscribers of other processes. */
export interface GraphQLSubscriptionOptions {
  /**
   * Redis carrying model events between the app's processes (default: REDIS_URL when set;
   * `false`: this process only).
   */
  redisUrl?: string | false;
  /** The Redis channel (default `basalt:model-events`): apps sharing a Redis need their own. */
  channel?: string;
  /**
   * Also over WebSocket, the graphql-ws protocol on the API's path (default true). Server-Sent
   * Events are always answered.
   */
  websocket?: boolean;
}

/** Options of {@link graphql}. */
export interface GraphQLOptions {
  /** The collections exposed, by the name of their list field: `{ books: bookCollection }`. */
  collections: GraphQLCollections;
  /** Queries of your own beside the generated ones (`defineQuery`). */
  queries?: Readonly<Record<string, AnyGraphQLField>>;
  /** Mutations of your own (`defineMutation`). */
  mutations?: Readonly<Record<string, AnyGraphQLField>>;
  /**
   * Subscriptions to model changes, over WebSocket (graphql-ws) and Server-Sent Events
   * (default on; `false`: none). Across processes through Redis when REDIS_URL is set.
   */
  subscriptions?: boolean | GraphQLSubscriptionOptions;
  /** Where the API answers (default `/graphql`). */
  path?: string;
  /** Depth, cost, alias, directive, field, token and batch limits (defaults in docs/graphql.md). */
  limits?: GraphQLLimits;
  /** Answer introspection queries (default: outside production only). */
  introspection?: boolean;
  /** Serve GraphiQL on `GET /graphql` to browsers (default: outside production only). */
  graphiql?: boolean;
  /** Documents clients send by hash; by default then only those run (an allow-list). */
  persistedQueries?: PersistedQueriesOptions;
}

/** The module `graphql()` returns, with its schema (for `printSchema`, tests and tools). */
export interface GraphQLModule extends ModuleDefinition {
  readonly schema: GraphQLSchema;
}

const Operation = t.Object(
  {
    query: t.Optional(t.String({ maxLength: 100_000 })),
    variables: t.Optional(t.Union([t.Record(t.String(), t.Unknown()), t.Null()])),
    operationName: t.Optional(t.Union([t.String({ maxLength: 200 }), t.Null()])),
    extensions: t.Optional(t.Union([t.Record(t.String(), t.Unknown()), t.Null()])),
    documentId: t.Optional(t.String({ maxLength: 200 })),
  },
  { $id: 'GraphQLRequest' },
);

// One operation, or a batch (bounded again, and more tightly, by the `batch` limit).
const Body = t.Union([Operation, t.Array(Operation, { maxItems: 1_000 })]);

const Query = t.Object({
  query: t.Optional(t.String({ maxLength: 100_000 })),
  variables: t.Optional(t.String({ maxLength: 100_000 })),
  operationName: t.Optional(t.String({ maxLength: 200 })),
  extensions: t.Optional(t.String({ maxLength: 10_000 })),
  documentId: t.Optional(t.String({ maxLength: 200 })),
});

function contextOf(ctx: RequestContext): GraphQLContext {
  return {
    actor: requestActor(ctx),
    db: (ctx as unknown as { db: Executor }).db,
    log: ctx.log,
    context: ctx,
  };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return 'not JSON';
  }
}

const GRAPHQL_RESPONSE = { 'content-type': 'application/graphql-response+json; charset=utf-8' };
const PLAIN_JSON = { 'content-type': 'application/json; charset=utf-8' };

/** The media type to answer in: GraphQL's own, unless the client accepts only `application/json`. */
function answerType(ctx: RequestContext): Record<string, string> {
  const accept = String(ctx.request.headers.accept ?? '');
  if (accept.includes('application/json') && !accept.includes('application/graphql-response+json'))
    return PLAIN_JSON;
  return GRAPHQL_RESPONSE;
}

/**
 * GraphQL over the operation layer, mounted at `/graphql`: a schema generated from
 * collections, whose queries, mutations and subscriptions run through `basalt/ops` with
 * the request's actor, so policies, scopes, field rules, validation, hooks, nested writes
 * and the audit log are REST's. Relations are loaded with one batched query per level.
 *
 * @example
 * defineApp({ name: 'shop', modules: [auth(), graphql({ collections: { books: bookCollection, orders: orderCollection } })] });
 */
export function graphql(options: GraphQLOptions): GraphQLModule {
  const subscriptions = options.subscriptions ?? true;
  const schema = buildGraphQLSchema(options.collections, {
    ...(options.queries ? { queries: options.queries } : {}),
    ...(options.mutations ? { mutations: options.mutations } : {}),
    subscriptions: subscriptions !== false,
  });
  const persisted = options.persistedQueries ? new PersistedQueries(options.persistedQueries) : undefined;
  const path = options.path ?? '/graphql';
  return {
    name: 'graphql',
    schema,
    commands: graphqlCommands(schema),
    setup(api) {
      const production = api.config.NODE_ENV === 'production';
      const executor = new GraphQLExecutor(schema, {
        introspection: options.introspection ?? !production,
        production,
        log: api.log,
        ...(options.limits ? { limits: options.limits } : {}),
        ...(persisted ? { persisted } : {}),
      });
      const open: OpenStreams = new Set();
      // Open subscription streams end when the server starts closing: a stream never
      // finishes by itself, and closing waits for the requests in flight.
      const endAll = () => {
        for (const end of [...open]) end();
      };
      // The server stops listening the moment it starts closing: watched while streams are
      // open (Fastify takes no close hook once it is ready).
      let watching: NodeJS.Timeout | undefined;
      const watch = (server: { listening: boolean }) => {
        if (watching || !server.listening) return;
        watching = setInterval(() => {
          if (server.listening && open.size > 0) return;
          clearInterval(watching);
          watching = undefined;
          endAll();
        }, 200);
        watching.unref();
      };
      const settings = subscriptions === true || subscriptions === false ? {} : subscriptions;
      const websocket = subscriptions !== false && settings.websocket !== false;
      if (subscriptions !== false) {
        const url = settings.redisUrl ?? (api.config.REDIS_URL as string | undefined);
        if (url) {
          const transport = new RedisModelEvents(url, settings.channel ?? 'basalt:model-events');
          api.onStart(async (app) => {
            if (app.db) await modelEvents(app.db).useTransport(transport);
          });
          api.onStop(async (app) => {
            if (app.db) await modelEvents(app.db).close();
          });
        }
      }
      if (websocket) {
        const origins = api.config.CSRF_TRUSTED_ORIGINS;
        const socket = new GraphQLWebSocket({
          path,
          schema,
          executor,
          trustedOrigins: Array.isArray(origins) ? origins.map(String) : [],
          production,
          open,
          onConnection: watch,
          contextOf,
        });
        api.addRoutes(socket.route());
        api.onStart((app) => socket.start(app.fastify));
        api.onStop(() => socket.stop());
      }
      api.onStop(endAll);
      const page = (options.graphiql ?? !production) ? new GraphiQLPage(path, websocket) : undefined;
      const answer = (ctx: RequestContext, { status, body }: { status: number; body: unknown }) =>
        respond(status, body, answerType(ctx));
      api.addRoutes(
        post(
          path,
          {
            body: Body,
            auth: 'optional',
            // GraphQL describes itself (introspection); OpenAPI stays the REST API's.
            hidden: true,
            summary: 'GraphQL (queries, mutations; subscriptions as Server-Sent Events)',
            description:
              'A GraphQL request (`query`, `variables`, `operationName`), or a batch of them. See docs/graphql.md.',
            response: { 200: t.Unknown(), 400: t.Unknown(), 405: t.Unknown() },
          },
          async (ctx) => {
            const body = ctx.body as unknown as GraphQLRequest | GraphQLRequest[];
            if (Array.isArray(body)) return answer(ctx, await executor.runBatch(body, contextOf(ctx)));
            if (String(ctx.headers.accept ?? '').includes('text/event-stream')) {
              if (subscriptions === false)
                return answer(ctx, {
                  status: 400,
                  body: { errors: [{ message: 'This API has no subscriptions' }] },
                });
              const prepared = executor.prepareSubscription(body);
              if ('refused' in prepared) return answer(ctx, prepared.refused);
              watch(ctx.request.server.server);
              return subscriptionStream(schema, executor, prepared, body, contextOf(ctx), ctx, open);
            }
            return answer(ctx, await executor.run(body, contextOf(ctx), 'POST'));
          },
        ),
        get(
          path,
          {
            query: Query,
            auth: 'optional',
            hidden: true,
            summary: 'GraphQL (queries only), or GraphiQL for a browser',
            response: { 200: t.Unknown(), 400: t.Unknown(), 405: t.Unknown() },
          },
          async (ctx) => {
            const query = ctx.query as Record<string, string | undefined>;
            const accept = String(ctx.headers.accept ?? '');
            if (
              page &&
              query.query === undefined &&
              query.documentId === undefined &&
              accept.includes('text/html')
            ) {
              const { html, headers } = page.page();
              return respond(200, html, headers);
            }
            const request: GraphQLRequest = {
              query: query.query,
              variables: parseJson(query.variables),
              operationName: query.operationName ?? null,
              extensions: parseJson(query.extensions),
              ...(query.documentId !== undefined ? { documentId: query.documentId } : {}),
            };
            return answer(ctx, await executor.run(request, contextOf(ctx), 'GET'));
          },
        ),
      );
      if (page)
        api.addRoutes(
          get(
            page.assetPath,
            {
              params: t.Object({ name: t.String({ maxLength: 100 }) }),
              auth: 'optional',
              hidden: true,
              summary: "GraphiQL's files, under hashed names",
              response: { 200: t.Unknown() },
            },
            (ctx) => {
              const asset = page.asset(ctx.params.name);
              if (!asset) throw new NotFoundError('No such GraphiQL file');
              return respond(200, asset.body, asset.headers);
            },
          ),
        );
    },
  };
}
