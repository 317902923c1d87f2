import { Kind, type Static, type TSchema } from '@sinclair/typebox';
import type { AuthRequirement, PermissionRequirement } from './auth.js';
import type { BasaltUser, RequestContext } from './context.js';
import type { Dependencies, ResolvedDependencies } from './dependency.js';

/** The HTTP methods endpoints are declared for. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Response schemas by status code. */
export type ResponseSchemas = { [status: number]: TSchema };

/** What an endpoint declares besides its handler. */
export interface EndpointSpec {
  /** Path parameters; without it they are strings named after the path's `:name` segments. */
  params?: TSchema;
  query?: TSchema;
  headers?: TSchema;
  body?: TSchema;
  /** One schema (for 200, or 201 on POST) or schemas by status. The response is serialized by it. */
  response?: TSchema | ResponseSchemas;
  /** Named dependencies whose results the handler receives under the same names. */
  use?: Dependencies;
  tags?: string[];
  summary?: string;
  description?: string;
  operationId?: string;
  deprecated?: boolean;
  /** Leave the endpoint out of the OpenAPI document. */
  hidden?: boolean;
  /**
   * Further error statuses the handler may answer (e.g. 409, 412), documented in OpenAPI as
   * problem+json next to the ones Basalt infers (400, 401, 403, 404, ...).
   */
  problems?: readonly number[];
  /** Largest accepted body for this endpoint, in bytes (the app's BODY_LIMIT otherwise). */
  bodyLimit?: number;
  /**
   * The handler reads the body itself, as a stream: `multipart/form-data` through
   * `request.parts()` (@fastify/multipart), any other type from `request.raw`. Nothing is
   * parsed or buffered and `body` is undefined; limits are the handler's (basalt/storage uploads).
   */
  streamBody?: boolean;
  /**
   * Where a session request's CSRF token is: the `X-CSRF-Token` header (default), or a form
   * field the handler checks once it has read the body (`form`: basalt/views form pages;
   * the Origin check still runs first).
   */
  csrf?: 'header' | 'form';
  /**
   * `required`: a request without a user is a 401 with `WWW-Authenticate`; `optional`: the
   * user is read when credentials are sent. Needs an authentication module (`basalt/auth`).
   */
  auth?: AuthRequirement;
  /**
   * Permissions the user must hold, all of them: codenames (`'change_book'`) or checks over
   * the context. Implies `auth: 'required'`; a missing one is a 403.
   */
  permissions?: readonly PermissionRequirement[];
  /**
   * Requests allowed per window, counted per client IP (default), per user, or per a key
   * the function returns; over it, a 429 with `Retry-After`. Without it the app's default
   * policy applies (`defineApp({ rateLimit })`), when it has one; `false` opts out of it.
   */
  rateLimit?: EndpointRateLimit | false;
}

/** An endpoint's `rateLimit` option. */
export interface EndpointRateLimit {
  /** Requests allowed in one window. */
  max: number;
  /** The window: milliseconds, or `'30s'`, `'1m'`, `'1h'`, `'1d'`. */
  window: string | number;
  /** What is counted: the client IP (default), the user (IP when anonymous), or a key of your own. */
  key?: 'ip' | 'user' | ((context: RequestContext) => string | undefined);
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Path parameters named in a path such as `/books/:id/reviews/:reviewId`. */
export type PathParams<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string } & PathParams<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : Record<string, never>;

/** An endpoint's response schemas by status, whichever form the spec used. */
export type Responses<M extends HttpMethod, S extends EndpointSpec> = S['response'] extends TSchema
  ? M extends 'POST'
    ? { 201: S['response'] }
    : { 200: S['response'] }
  : S['response'] extends ResponseSchemas
    ? S['response']
    : Record<never, never>;

/** The status code a plain return value is sent with: the lowest declared 2xx. */
export type DefaultStatus<R> = 200 extends keyof R
  ? 200
  : 201 extends keyof R
    ? 201
    : 202 extends keyof R
      ? 202
      : 204 extends keyof R
        ? 204
        : never;

const responseBrand: unique symbol = Symbol.for('basalt.response');

/** A response with an explicit status, made by {@link respond}. */
export interface TypedResponse<S extends number = number, B = unknown> {
  readonly [responseBrand]: true;
  readonly status: S;
  readonly body: B;
  readonly headers: Record<string, string> | undefined;
}

/** What a handler may return: the default status's body, or `respond(status, body)` for any declared status. */
export type HandlerResult<R> = [keyof R] extends [never]
  ? unknown
  :
      | (DefaultStatus<R> extends keyof R
          ? R[DefaultStatus<R>] extends TSchema
            ? Static<R[DefaultStatus<R>]>
            : never
          : never)
      | {
          [K in keyof R]: K extends number
            ? TypedResponse<K, R[K] extends TSchema ? Static<R[K]> : never>
            : never;
        }[keyof R];

/** `user` is never null in endpoints that require it (`auth: 'required'`, or any permission). */
export type UserOf<S extends EndpointSpec> = S extends { auth: 'required' }
  ? { user: BasaltUser }
  : S extends { permissions: readonly [unknown, ...unknown[]] | readonly unknown[] }
    ? { user: BasaltUser }
    : unknown;

/** What a handler receives: validated params, query, headers and body, the request context and its dependencies. */
export type EndpointContext<P extends string, S extends EndpointSpec> = RequestContext &
  UserOf<S> & {
    params: S['params'] extends TSchema ? Static<S['params']> : Simplify<PathParams<P>>;
    query: S['query'] extends TSchema ? Static<S['query']> : Record<string, unknown>;
    headers: S['headers'] extends TSchema
      ? Static<S['headers']>
      : Record<string, string | string[] | undefined>;
    body: S['body'] extends TSchema ? Static<S['body']> : undefined;
  } & ResolvedDependencies<S['use']>;

/** A handler: gets the context, returns the response body (or a {@link TypedResponse}). */
export type Handler<M extends HttpMethod, P extends string, S extends EndpointSpec> = (
  context: EndpointContext<P, S>,
) => HandlerResult<Responses<M, S>> | Promise<HandlerResult<Responses<M, S>>>;

/** A declared endpoint: method, path, spec and handler. Mount it through `defineApp({ routes })`. */
export interface Endpoint<
  M extends HttpMethod = HttpMethod,
  P extends string = string,
  S extends EndpointSpec = EndpointSpec,
> {
  readonly kind: 'endpoint';
  readonly method: M;
  readonly path: P;
  readonly spec: S;
  readonly handler: Handler<M, P, S>;
}

/** An endpoint of any shape. */
// biome-ignore lint/suspicious/noExplicitAny: the variance sink for heterogeneous route lists
export type AnyEndpoint = Endpoint<HttpMethod, string, any>;

/** Returns `body` with an explicit status (and headers), checked against the endpoint's response schemas. */
export function respond<S extends number, B>(
  status: S,
  body: B,
  headers?: Record<string, string>,
): TypedResponse<S, B> {
  return { [responseBrand]: true, status, body, headers };
}

/** True for values made by {@link respond}. */
export function isTypedResponse(value: unknown): value is TypedResponse {
  return typeof value === 'object' && value !== null && responseBrand in value;
}

/** True when `value` is a TypeBox schema (rather than a map of schemas by status). */
export function isSchema(value: unknown): value is TSchema {
  return typeof value === 'object' && value !== null && Kind in value;
}

/** Normalizes `spec.response` to schemas by status. */
export function responseSchemas(method: HttpMethod, spec: EndpointSpec): ResponseSchemas {
  if (spec.response === undefined) return {};
  if (isSchema(spec.response)) return { [method === 'POST' ? 201 : 200]: spec.response };
  return spec.response;
}

function define<M extends HttpMethod>(method: M) {
  return <const P extends string, const S extends EndpointSpec>(
    path: P,
    spec: S,
    handler: Handler<M, P, S>,
  ): Endpoint<M, P, S> => ({ kind: 'endpoint', method, path, spec, handler });
}

/**
 * Declares a GET endpoint. The schemas are validation, TypeScript types and OpenAPI at once.
 *
 * @example
 * export const quote = get('/books/:id/quote', {
 *   params: t.Object({ id: t.Integer() }),
 *   response: t.Object({ price: t.String() }),
 * }, async ({ params }) => ({ price: '12.50' }));
 */
export const get = define('GET');
/** Declares a POST endpoint; a single response schema is sent with 201. */
export const post = define('POST');
/** Declares a PUT endpoint. */
export const put = define('PUT');
/** Declares a PATCH endpoint. */
export const patch = define('PATCH');
/** Declares a DELETE endpoint. */
export const del = define('DELETE');

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The endpoint's `csrf` option (`header` when not set), read by the session check. */
    csrf?: 'header' | 'form';
  }
}
