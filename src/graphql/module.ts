import type { GraphQLSchema } from 'graphql';
import type { ModuleDefinition } from '../app/index.js';
import type { Executor } from '../db/index.js';
import { get, post, type RequestContext, respond, t } from '../http/index.js';
import { requestActor } from '../rest/index.js';
import { GraphQLExecutor, type GraphQLRequest } from './executor.js';
import { graphiqlPage } from './graphiql.js';
import type { GraphQLLimits } from './limits.js';
import { buildGraphQLSchema, type GraphQLCollections, type GraphQLContext } from './schema.js';

/** Options of {@link graphql}. */
export interface GraphQLOptions {
  /** The collections exposed, by the name of their list field: `{ books: bookCollection }`. */
  collections: GraphQLCollections;
  /** Where the API answers (default `/graphql`). */
  path?: string;
  /** Depth, cost, alias, directive and token limits (defaults in docs/graphql.md). */
  limits?: GraphQLLimits;
  /** Answer introspection queries (default: outside production only). */
  introspection?: boolean;
  /** Serve GraphiQL on `GET /graphql` to browsers (default: outside production only). */
  graphiql?: boolean;
}

/** The module `graphql()` returns, with its schema (for `printSchema`, tests and tools). */
export interface GraphQLModule extends ModuleDefinition {
  readonly schema: GraphQLSchema;
}

const Body = t.Object(
  {
    query: t.String({ maxLength: 100_000 }),
    variables: t.Optional(t.Union([t.Record(t.String(), t.Unknown()), t.Null()])),
    operationName: t.Optional(t.Union([t.String({ maxLength: 200 }), t.Null()])),
    extensions: t.Optional(t.Union([t.Record(t.String(), t.Unknown()), t.Null()])),
  },
  { $id: 'GraphQLRequest' },
);

const Query = t.Object({
  query: t.Optional(t.String({ maxLength: 100_000 })),
  variables: t.Optional(t.String({ maxLength: 100_000 })),
  operationName: t.Optional(t.String({ maxLength: 200 })),
});

function contextOf(ctx: RequestContext): GraphQLContext {
  return { actor: requestActor(ctx), db: (ctx as unknown as { db: Executor }).db, context: ctx };
}

function parseVariables(text: string | undefined): unknown {
  if (text === undefined || text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return 'not JSON';
  }
}

/**
 * GraphQL over the operation layer, mounted at `/graphql`: a schema generated from
 * collections, whose queries and mutations run through `basalt/ops` with the request's
 * actor, so policies, scopes, field rules, validation, hooks, nested writes and the audit
 * log are REST's. Relations are loaded with one batched query per level.
 *
 * @example
 * defineApp({ name: 'shop', modules: [auth(), graphql({ collections: { books: bookCollection, orders: orderCollection } })] });
 */
export function graphql(options: GraphQLOptions): GraphQLModule {
  const schema = buildGraphQLSchema(options.collections);
  const path = options.path ?? '/graphql';
  return {
    name: 'graphql',
    schema,
    setup(api) {
      const production = api.config.NODE_ENV === 'production';
      const executor = new GraphQLExecutor(schema, {
        introspection: options.introspection ?? !production,
        production,
        log: api.log,
        ...(options.limits ? { limits: options.limits } : {}),
      });
      const page = (options.graphiql ?? !production) ? graphiqlPage(path) : undefined;
      const answer = ({ status, body }: Awaited<ReturnType<GraphQLExecutor['run']>>) =>
        respond(status, body, { 'content-type': 'application/graphql-response+json; charset=utf-8' });
      api.addRoutes(
        post(
          path,
          {
            body: Body,
            auth: 'optional',
            // GraphQL describes itself (introspection); OpenAPI stays the REST API's.
            hidden: true,
            summary: 'GraphQL (queries and mutations)',
            description: 'A GraphQL request: `query`, `variables`, `operationName`. See docs/graphql.md.',
            response: { 200: t.Unknown(), 400: t.Unknown(), 405: t.Unknown() },
          },
          async (ctx) =>
            answer(await executor.run(ctx.body as unknown as GraphQLRequest, contextOf(ctx), 'POST')),
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
            const query = ctx.query as { query?: string; variables?: string; operationName?: string };
            const accept = String(ctx.headers.accept ?? '');
            if (page && query.query === undefined && accept.includes('text/html'))
              return respond(200, page.html, page.headers);
            const request: GraphQLRequest = {
              query: query.query,
              variables: parseVariables(query.variables),
              operationName: query.operationName ?? null,
            };
            return answer(await executor.run(request, contextOf(ctx), 'GET'));
          },
        ),
      );
    },
  };
}
