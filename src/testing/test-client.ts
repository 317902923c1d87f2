import type { Static, TSchema } from '@sinclair/typebox';
import type { InjectOptions } from 'fastify';
import {
  type AppDefinition,
  type BasaltApp,
  type CreateAppOptions,
  createApp,
  isAppDefinition,
} from '../app/index.js';
import type { ConfigSchema } from '../core/index.js';
import type { Database, Transaction } from '../db/index.js';
import type { AnyEndpoint, HttpMethod, Problem, Responses } from '../http/index.js';
import { buildSchema, createRollbackScope, createSchema, dropSchema, withSearchPath } from './database.js';
import { ResponseValidator } from './response-validator.js';

/** An answer from the test client: status, headers and the parsed body. */
export interface TestResponse<B = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /**
   * The JSON body parsed, or the text when not JSON. Typed as the route's success response;
   * an error answer's problem+json is here too, and typed in `problem`.
   */
  body: B;
  /** The problem+json body of an error answer (`code`, `detail`, `errors`...), else undefined. */
  problem: Problem | undefined;
  text: string;
}

type RouteFor<R extends readonly AnyEndpoint[], M extends HttpMethod, P> = Extract<
  R[number],
  { method: M; path: P }
>;

type SuccessBody<E> = E extends AnyEndpoint
  ? Responses<E['method'], E['spec']> extends infer Rs
    ? {
        [K in keyof Rs]: K extends 200 | 201 | 202 | 203 | 206
          ? Rs[K] extends TSchema
            ? Static<Rs[K]>
            : never
          : never;
      }[keyof Rs] extends infer B
      ? [B] extends [never]
        ? unknown
        : B
      : unknown
    : unknown
  : unknown;

type InputOf<E> = E extends AnyEndpoint
  ? {
      params?: E['spec']['params'] extends TSchema
        ? Static<E['spec']['params']>
        : Record<string, string | number>;
      query?: E['spec']['query'] extends TSchema
        ? Partial<Static<E['spec']['query']>> & Record<string, unknown>
        : Record<string, unknown>;
      headers?: Record<string, string>;
      body?: E['spec']['body'] extends TSchema ? Static<E['spec']['body']> : unknown;
      /** `false` skips checking this answer against the OpenAPI document (see `validateResponses`). */
      validateResponse?: boolean;
    }
  : never;

/**
 * A path-typed request method of the test client. The answer's `body` has the type of the
 * route's success response (2xx); on an error status it holds the problem+json object
 * instead, which tests read with `toMatchObject` or through `problem`.
 */
export type TestMethod<R extends readonly AnyEndpoint[], M extends HttpMethod> = <
  P extends RouteFor<R, M, string>['path'],
>(
  path: P,
  input?: InputOf<RouteFor<R, M, P>>,
) => Promise<TestResponse<SuccessBody<RouteFor<R, M, P>>>>;

/** Calls an app in-process (no port), typed by the app's routes. */
export interface TestClient<R extends readonly AnyEndpoint[]> {
  readonly app: BasaltApp<R>;
  get: TestMethod<R, 'GET'>;
  post: TestMethod<R, 'POST'>;
  put: TestMethod<R, 'PUT'>;
  patch: TestMethod<R, 'PATCH'>;
  delete: TestMethod<R, 'DELETE'>;
  /**
   * An untyped request, for anything the typed methods cannot express (raw bodies, odd
   * methods). `validateResponse: false` skips checking its answer against the document.
   */
  request(options: InjectOptions, check?: { validateResponse?: boolean }): Promise<TestResponse>;
  /**
   * The database requests use: the test transaction while one is open, else the app's
   * database (undefined for an app without models).
   */
  readonly db: Database | Transaction | undefined;
  /** Opens a transaction every request of the app runs in (call it in `beforeEach`). */
  begin(): Promise<Transaction>;
  /** Rolls back everything written since `begin()` (call it in `afterEach`). */
  rollback(): Promise<void>;
  /** Stops the app if the client created it, and drops its test database. */
  close(): Promise<void>;
}

/** Options of {@link createTestClient}. */
export interface TestClientOptions extends CreateAppOptions {
  /**
   * The database of an app with models: a fresh SQLite database in memory by default, or
   * a new schema in the PostgreSQL database of this URL (default: `TEST_DATABASE_URL` when
   * set), built from the app's migrations or, when it has none, from its models.
   * `false` leaves DATABASE_URL alone and builds nothing.
   */
  database?: { url?: string } | false;
  /**
   * Checks every answer against the app's OpenAPI document (default `true`): its status is
   * declared for the operation, its body matches the declared schema and media type, and the
   * declared headers are sent (when `required`) and valid. A mismatch rejects the request's
   * promise with a message naming the operation, so the document cannot drift from what the
   * app does. Paths the document does not describe are not checked; `false` turns it off for
   * the client, `validateResponse: false` for one request.
   */
  validateResponses?: boolean;
}

/** Thrown by the test client when an answer contradicts the app's OpenAPI document. */
export class ResponseContractError extends Error {
  override readonly name = 'ResponseContractError';
}

function fillPath(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`Missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(value));
  });
}

function toResponse(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}): TestResponse {
  const headers = response.headers as TestResponse['headers'];
  const type = String(headers['content-type'] ?? '');
  let body: unknown = response.body;
  if (type.includes('json') && response.body.length > 0) body = JSON.parse(response.body);
  const problem = type.startsWith('application/problem+json') ? (body as Problem) : undefined;
  return { status: response.statusCode, headers, body, problem, text: response.body };
}

/**
 * Creates a test client for an app definition (created with NODE_ENV=test) or an
 * already created app.
 *
 * @example
 * const client = await createTestClient(bookshop);
 * const { status, body } = await client.get('/books/:id', { params: { id: 1 } });
 */
export async function createTestClient<R extends readonly AnyEndpoint[], C extends ConfigSchema | undefined>(
  app: AppDefinition<R, C> | BasaltApp<R, C>,
  options: TestClientOptions = {},
): Promise<TestClient<R>> {
  const owned = isAppDefinition(app);
  const manageDatabase = owned && options.database !== false && hasAnyModels(app as AppDefinition);
  const baseUrl = (options.database || undefined)?.url ?? process.env.TEST_DATABASE_URL ?? 'sqlite::memory:';
  const schema = manageDatabase && baseUrl.startsWith('postgres') ? await createSchema(baseUrl) : null;
  const databaseEnv = manageDatabase
    ? { DATABASE_URL: schema ? withSearchPath(baseUrl, schema) : baseUrl }
    : {};
  const created = (
    owned
      ? await createApp(app as AppDefinition<R, C>, {
          envFile: false,
          ...options,
          env: { NODE_ENV: 'test', ...databaseEnv, ...(options.env ?? {}) },
        })
      : app
  ) as BasaltApp<R>;
  if (manageDatabase && created.db) await buildSchema(created.db, (app as AppDefinition).migrations);
  if (owned) await created.start();
  const scope = created.db ? createRollbackScope(created as unknown as BasaltApp, created.db) : undefined;
  let open = false;
  let validator: ResponseValidator | undefined;
  const validating = options.validateResponses !== false;
  const request = async (inject: InjectOptions, check: { validateResponse?: boolean } = {}) => {
    const response = toResponse(await created.fastify.inject(inject));
    if (validating && check.validateResponse !== false) {
      validator ??= new ResponseValidator(created.openapi());
      const url = String(inject.url ?? inject.path ?? '/');
      const problems = validator.check({
        method: inject.method ?? 'GET',
        path: url.split('?')[0]!,
        status: response.status,
        headers: response.headers,
        body: response.body,
        text: response.text,
      });
      if (problems.length > 0) {
        throw new ResponseContractError(
          `The answer contradicts the app's OpenAPI document (pass validateResponse: false to skip this check):\n- ${problems.join('\n- ')}\nbody: ${response.text.slice(0, 500)}`,
        );
      }
    }
    return response;
  };
  const method =
    (verb: HttpMethod) =>
    (
      path: string,
      input: {
        params?: Record<string, unknown>;
        query?: Record<string, unknown>;
        headers?: Record<string, string>;
        body?: unknown;
        validateResponse?: boolean;
      } = {},
    ) =>
      request(
        {
          method: verb,
          url: fillPath(path, input.params),
          query: input.query as InjectOptions['query'],
          headers: input.headers,
          ...(input.body === undefined ? {} : { payload: input.body as InjectOptions['payload'] }),
        },
        input.validateResponse === undefined ? {} : { validateResponse: input.validateResponse },
      );
  return {
    app: created,
    get: method('GET') as TestMethod<R, 'GET'>,
    post: method('POST') as TestMethod<R, 'POST'>,
    put: method('PUT') as TestMethod<R, 'PUT'>,
    patch: method('PATCH') as TestMethod<R, 'PATCH'>,
    delete: method('DELETE') as TestMethod<R, 'DELETE'>,
    request,
    get db() {
      return open ? scope?.tx : created.db;
    },
    async begin() {
      if (!scope) throw new Error('This app has no database: declare models to use begin()/rollback()');
      const tx = await scope.begin();
      open = true;
      return tx;
    },
    async rollback() {
      open = false;
      await scope?.rollback();
    },
    close: async () => {
      if (open) await scope?.rollback();
      if (owned) await created.stop();
      if (schema) await dropSchema(baseUrl, schema);
    },
  };
}

function hasAnyModels(definition: AppDefinition): boolean {
  const seen = new Set<unknown>();
  const visit = (module: { models?: readonly unknown[]; modules?: readonly unknown[] }): boolean => {
    if (seen.has(module)) return false;
    seen.add(module);
    if ((module.models ?? []).length > 0) return true;
    return (module.modules ?? []).some((m) => visit(m as typeof module));
  };
  return visit(definition as never);
}
