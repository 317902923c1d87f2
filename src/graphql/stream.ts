import { PassThrough } from 'node:stream';
import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
  subscribe,
} from 'graphql';
import { type RequestContext, respond } from '../http/index.js';
import type { GraphQLExecutor, GraphQLRequest } from './executor.js';
import type { GraphQLContext } from './schema.js';

/** How often a comment line keeps an idle stream open through proxies. */
const HEARTBEAT_MS = 15_000;

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

/** The streams open now, each with the function that ends it (ended when the app stops). */
export type OpenStreams = Set<() => void>;

/**
 * A subscription answered as Server-Sent Events, graphql-sse's "distinct connections" mode:
 * one `event: next` per result, `event: complete` at the end, the connection its lifetime
 * (the client closing it ends the subscription). A subscription refused when it starts
 * (not signed in, not allowed) is one `next` with the error, then `complete`.
 */
export async function subscriptionStream(
  schema: GraphQLSchema,
  executor: GraphQLExecutor,
  prepared: { document: DocumentNode; operation: OperationDefinitionNode },
  request: GraphQLRequest,
  context: GraphQLContext,
  ctx: RequestContext,
  open: OpenStreams,
) {
  const stream = new PassThrough();
  const send = (event: 'next' | 'complete', result?: ExecutionResult) => {
    if (stream.writableEnded) return;
    if (event === 'complete') {
      stream.end('event: complete\ndata:\n\n');
      return;
    }
    const body: Record<string, unknown> = {};
    if (result?.data !== undefined) body.data = result.data;
    if (result?.errors) body.errors = executor.format(result.errors);
    stream.write(`event: next\ndata: ${JSON.stringify(body)}\n\n`);
  };
  if (prepared.operation.operation !== 'subscription') {
    // A query or mutation asked for as a stream: its one result, then the end.
    const answer = await executor.run(request, context, 'POST');
    stream.write(`event: next\ndata: ${JSON.stringify(answer.body)}\n\n`);
    send('complete');
    return respond(200, stream, HEADERS);
  }
  const result = await subscribe({
    schema,
    document: prepared.document,
    variableValues: (request.variables ?? null) as Record<string, unknown> | null,
    operationName: (request.operationName as string | null | undefined) ?? null,
    contextValue: context,
  });
  if (!(Symbol.asyncIterator in result)) {
    send('next', result);
    send('complete');
    return respond(200, stream, HEADERS);
  }
  const iterator = result;
  const heartbeat = setInterval(() => {
    if (!stream.writableEnded) stream.write(':\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const end = () => {
    clearInterval(heartbeat);
    open.delete(end);
    void iterator.return?.();
    send('complete');
  };
  open.add(end);
  ctx.reply.raw.once('close', end);
  // Headers go out at once: the client knows it is subscribed before the first event.
  stream.write(':\n\n');
  void (async () => {
    try {
      for await (const value of iterator) send('next', value);
    } catch (error) {
      context.log.error({ err: error }, 'GraphQL subscription failed');
    } finally {
      end();
    }
  })();
  return respond(200, stream, HEADERS);
}
