import { GraphQLError } from 'graphql';
import { isBasaltError, type Logger } from '../core/index.js';
import { asServiceUnavailable } from '../internal/service-errors.js';

/** GraphQL error codes (`extensions.code`) of the layer's HTTP statuses. */
const CODES: Readonly<Record<number, string>> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'BAD_USER_INPUT',
  422: 'BAD_USER_INPUT',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** One field error of a bad input: `lines/2/quantity`, what is wrong, its code. */
export interface GraphQLFieldError {
  field: string;
  message: string;
  code?: string;
}

/** A field pointer as GraphQL clients read it: `/query/ordering` → `ordering`, `/lines/2/quantity` → `lines/2/quantity`. */
function fieldOf(pointer: string): string {
  return pointer.replace(/^\/(query|body)\//, '/').replace(/^\//, '');
}

/**
 * The GraphQL error a resolver's error becomes: the operation layer's 401/403/404/400 as
 * UNAUTHENTICATED/FORBIDDEN/NOT_FOUND/BAD_USER_INPUT (with the field pointers), anything
 * unexpected as INTERNAL_SERVER_ERROR without its message or stack (logged instead).
 */
export function toGraphQLError(
  error: GraphQLError,
  log: Logger | undefined,
  production: boolean,
): GraphQLError {
  const original = error.originalError;
  if (!original || original instanceof GraphQLError) {
    // Suggestions (`Did you mean ...?`) describe the schema: kept out of production answers.
    if (production && error.message.includes('Did you mean'))
      return new GraphQLError(error.message.replace(/ ?Did you mean .*\?$/, ''), {
        nodes: error.nodes,
        extensions: error.extensions,
      });
    return error;
  }
  const options = { nodes: error.nodes, path: error.path };
  if (isBasaltError(original) && original.status < 500) {
    const extensions: Record<string, unknown> = {
      code: CODES[original.status] ?? (original.status >= 400 ? 'BAD_REQUEST' : 'ERROR'),
      basaltCode: original.code,
    };
    if (original.errors)
      extensions.errors = original.errors.map(
        (e): GraphQLFieldError => ({
          field: fieldOf(e.pointer),
          message: e.detail,
          ...(e.code ? { code: e.code } : {}),
        }),
      );
    return new GraphQLError(original.message, { ...options, extensions });
  }
  // A database or Redis that does not answer (a driver's connection error): worth a retry.
  const unavailable =
    isBasaltError(original) && original.status === 503 ? original : asServiceUnavailable(original);
  if (unavailable) {
    log?.error({ err: original, path: error.path?.join('.') }, 'GraphQL resolver: a service is unavailable');
    return new GraphQLError(unavailable.expose ? unavailable.message : 'A service is unavailable', {
      ...options,
      extensions: { code: 'SERVICE_UNAVAILABLE', basaltCode: unavailable.code },
    });
  }
  log?.error({ err: original, path: error.path?.join('.') }, 'GraphQL resolver failed');
  return new GraphQLError('An unexpected error occurred', {
    ...options,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

/**
 * The field errors of a refused input (a 400 or 422 with field pointers, a 409 of a taken
 * unique value), as a mutation payload carries them; undefined for any other error.
 */
export function fieldErrorsOf(error: unknown): GraphQLFieldError[] | undefined {
  if (!isBasaltError(error) || !error.errors?.length) return undefined;
  if (error.status !== 400 && error.status !== 422 && error.status !== 409) return undefined;
  return error.errors.map((e) => ({
    field: fieldOf(e.pointer),
    message: e.detail,
    ...(e.code ? { code: e.code } : {}),
  }));
}

/** An error of a bad request (refused before execution). */
export function requestError(message: string, code = 'BAD_REQUEST'): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}
