import type { TSchema } from '@sinclair/typebox';
import { BasaltError } from '../../core/index.js';
import type { Authentication } from '../auth.js';
import {
  type AnyDependency,
  type Dependencies,
  flattenDependencies,
  type SecurityScheme,
} from '../dependency.js';
import type { EndpointRateLimit } from '../endpoint.js';
import { type AnyEndpoint, responseSchemas } from '../endpoint.js';
import { PROBLEM_LIMITS } from '../problem.js';
import { mergeObjectSchemas, plainSchema } from '../schema.js';
import { effectiveRateLimit, openApiPath } from '../server.js';
import { answerHeaders, corsHeaders, RATE_LIMIT_HEADERS } from './headers.js';

type JsonObject = { [key: string]: unknown };

/** The `info` block of the document. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  /** Who to contact about the API. */
  contact?: { name?: string; url?: string; email?: string };
  /** The API's license: an SPDX `identifier` or a `url`. */
  license?: { name: string; identifier?: string; url?: string };
  /** The terms of service, a URL. */
  termsOfService?: string;
}

/** One entry of the document's `servers`. */
export interface OpenApiServer {
  url: string;
  /** Names the environment (local, staging, production…). */
  description?: string;
  /** Whether the server is for internal use only. */
  'x-internal'?: boolean;
}

/** An OpenAPI 3.1 document. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: OpenApiInfo;
  servers?: OpenApiServer[];
  paths: Record<string, Record<string, JsonObject>>;
  components: {
    schemas: Record<string, JsonObject>;
    securitySchemes?: Record<string, JsonObject>;
    headers?: Record<string, JsonObject>;
  };
  tags?: { name: string }[];
}

const text = (maxLength: number, description?: string) => ({
  type: 'string',
  maxLength,
  ...(description ? { description } : {}),
});

const FIELD_ERROR = {
  type: 'object',
  properties: {
    pointer: text(PROBLEM_LIMITS.pointer, 'JSON pointer to the field, e.g. /body/price'),
    detail: text(PROBLEM_LIMITS.detail),
    code: text(PROBLEM_LIMITS.code),
  },
  required: ['pointer', 'detail'],
};

/** The problem+json schema of every error answer. */
export const PROBLEM_SCHEMA: JsonObject = {
  type: 'object',
  description: 'An RFC 9457 problem details object',
  properties: {
    type: text(PROBLEM_LIMITS.type),
    title: text(PROBLEM_LIMITS.title),
    status: { type: 'integer', format: 'int32', minimum: 400, maximum: 599 },
    detail: text(PROBLEM_LIMITS.detail),
    instance: text(PROBLEM_LIMITS.instance),
    code: text(PROBLEM_LIMITS.code, 'Stable Basalt error code, see docs/reference/errors.md'),
    requestId: text(PROBLEM_LIMITS.requestId),
    errors: { type: 'array', maxItems: PROBLEM_LIMITS.errors, items: FIELD_ERROR },
  },
  required: ['type', 'title', 'status', 'detail', 'code'],
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input',
  401: 'Authentication required',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  412: 'Precondition failed',
  428: 'Precondition required',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Unexpected error',
  502: 'An upstream service failed',
  503: 'Service unavailable',
};

/**
 * Gives every integer schema without a `format` the one its bounds fit (`int32` or `int64`);
 * an integer without bounds is left as it is.
 */
function integerFormats(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) integerFormats(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as JsonObject;
  const type = schema.type;
  const integer = type === 'integer' || (Array.isArray(type) && type.includes('integer'));
  if (integer && schema.format === undefined) {
    const min = schema.minimum ?? schema.exclusiveMinimum;
    const max = schema.maximum ?? schema.exclusiveMaximum;
    if (typeof min === 'number' && typeof max === 'number') {
      if (min >= -(2 ** 31) && max <= 2 ** 31 - 1) schema.format = 'int32';
      else if (min >= -Number.MAX_SAFE_INTEGER && max <= Number.MAX_SAFE_INTEGER) schema.format = 'int64';
    }
  }
  for (const value of Object.values(schema)) integerFormats(value);
}

class ComponentRegistry {
  readonly schemas: Record<string, JsonObject> = { Problem: PROBLEM_SCHEMA };
  readonly #json = new Map<string, string>();

  /** Replaces every sub-schema carrying a `$id` by a `$ref` to one shared component. */
  inline(schema: TSchema | JsonObject): JsonObject {
    const walk = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(walk);
      if (typeof node !== 'object' || node === null) return node;
      const object = node as JsonObject;
      const out: JsonObject = {};
      for (const [key, value] of Object.entries(object)) {
        if (key === '$id') continue;
        out[key] =
          key === 'properties' && typeof value === 'object' && value !== null
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]))
            : walk(value);
      }
      const id = object.$id;
      if (typeof id !== 'string') return out;
      const name = id.replace(/[^A-Za-z0-9._-]/g, '_');
      const json = JSON.stringify(out);
      const existing = this.#json.get(name);
      if (existing !== undefined && existing !== json) {
        throw new BasaltError('BASALT_ROUTE_CONFLICT', `Two different schemas use the $id "${id}"`);
      }
      this.#json.set(name, json);
      this.schemas[name] = out;
      return { $ref: `#/components/schemas/${name}` };
    };
    return walk(plainSchema(schema as TSchema, { keepIds: true })) as JsonObject;
  }
}

function operationId(endpoint: AnyEndpoint): string {
  if (endpoint.spec.operationId) return endpoint.spec.operationId;
  const words = endpoint.path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `by-${segment.slice(1)}` : segment))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  const camel = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return endpoint.method.toLowerCase() + (camel || 'Root');
}

function parameters(
  location: 'path' | 'query' | 'header',
  schema: JsonObject | undefined,
  registry: ComponentRegistry,
) {
  if (!schema) return [];
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries((schema.properties as Record<string, JsonObject>) ?? {}).map(([name, property]) => {
    const parameter: JsonObject = {
      name,
      in: location,
      // A parameter with a default may be left out by the client, whatever the schema's `required` says.
      required: location === 'path' || (required.has(name) && property.default === undefined),
      schema: registry.inline(property),
    };
    if (typeof property.description === 'string') parameter.description = property.description;
    return parameter;
  });
}

/** Builds the OpenAPI 3.1 document of a set of endpoints. */
export function buildOpenApiDocument(
  routes: readonly AnyEndpoint[],
  info: OpenApiInfo,
  options: {
    authentication?: Authentication | undefined;
    servers?: readonly OpenApiServer[] | undefined;
    /** The app's default rate-limit policy: endpoints without their own limit declare it. */
    rateLimit?: EndpointRateLimit | undefined;
    /** CORS_ORIGINS: when set, every answer declares the CORS headers it carries. */
    corsOrigins?: readonly string[] | undefined;
  } = {},
): OpenApiDocument {
  const cors = options.corsOrigins?.length ? corsHeaders(options.corsOrigins) : undefined;
  const registry = new ComponentRegistry();
  const paths: OpenApiDocument['paths'] = {};
  const securitySchemes: Record<string, JsonObject> = {};
  const tags = new Set<string>();
  const ids = new Set<string>();
  let usesRateLimit = false;

  for (const endpoint of routes) {
    const spec = endpoint.spec;
    if (spec.hidden) continue;
    const dependencies = flattenDependencies(spec.use as Dependencies | undefined);
    const pathNames = [...endpoint.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    const pathSchema = spec.params
      ? plainSchema(spec.params)
      : { type: 'object', properties: Object.fromEntries(pathNames.map((n) => [n, { type: 'string' }])) };
    const query = mergeObjectSchemas([spec.query, ...dependencies.map((d: AnyDependency) => d.query)]);
    const headers = mergeObjectSchemas([spec.headers, ...dependencies.map((d: AnyDependency) => d.headers)]);

    const operation: JsonObject = { operationId: operationId(endpoint) };
    if (ids.has(operation.operationId as string)) {
      throw new BasaltError(
        'BASALT_ROUTE_CONFLICT',
        `Two endpoints share the operationId ${String(operation.operationId)}`,
      );
    }
    ids.add(operation.operationId as string);
    if (spec.summary) operation.summary = spec.summary;
    if (spec.description) operation.description = spec.description;
    if (spec.tags?.length) {
      operation.tags = [...spec.tags];
      for (const tag of spec.tags) tags.add(tag);
    }
    if (spec.deprecated) operation.deprecated = true;
    const params = [
      ...parameters('path', pathSchema, registry),
      ...parameters('query', query, registry),
      ...parameters('header', headers, registry),
    ];
    if (params.length > 0) operation.parameters = params;
    if (spec.body) {
      operation.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: registry.inline(plainSchema(spec.body, { strict: true, keepIds: true })),
          },
        },
      };
    }

    const responses: Record<string, JsonObject> = {};
    const declared = responseSchemas(endpoint.method, spec);
    for (const [status, schema] of Object.entries(declared)) {
      const code = Number(status);
      const description =
        (schema as { description?: string }).description ??
        (code < 300 ? 'Success' : (ERROR_DESCRIPTIONS[code] ?? 'Error'));
      // A body that is not JSON (a PDF, an image) names its type with `contentMediaType`.
      const media = (schema as { contentMediaType?: unknown }).contentMediaType;
      responses[status] =
        code === 204 || code === 304
          ? { description }
          : typeof media === 'string'
            ? { description, content: { [media]: {} } }
            : {
                description,
                content: {
                  [code >= 400 ? 'application/problem+json' : 'application/json']: {
                    schema: registry.inline(schema),
                  },
                },
              };
    }
    if (Object.keys(declared).length === 0) {
      // No response schema: the handler's value is sent as JSON, whatever it is, and nothing
      // returned is an empty answer (204, or a bare 201 for POST).
      responses[endpoint.method === 'POST' ? '201' : '200'] = {
        description: 'Success',
        content: { 'application/json': {} },
      };
      if (endpoint.method !== 'POST') responses['204'] = { description: 'Success, nothing to send' };
    }
    const problem = (code: number) => ({
      description: ERROR_DESCRIPTIONS[code],
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
    // Any operation may crash (500) or find the database, Redis or a lock too slow, or the
    // server stopping (503).
    const errorCodes = [500, 503];
    // Fastify reads the body of every POST, PUT, PATCH and DELETE, declared or not: one that is
    // not JSON is a 415, malformed JSON a 400, one past the size limit a 413. A streamed body
    // (an upload) is refused for its type or size by the handler.
    const bodied = spec.body !== undefined || spec.streamBody === true || endpoint.method !== 'GET';
    // Invalid input; and on any operation, a Host that ALLOWED_HOSTS refuses.
    errorCodes.push(400);
    // A path parameter over the router's 100 characters is a 414 before the endpoint runs.
    if (pathNames.length > 0) errorCodes.push(404, 414);
    if (bodied) errorCodes.push(413, 415);
    const security: Record<string, string[]>[] = [];
    for (const dependency of dependencies) {
      const scheme = dependency.security as SecurityScheme | undefined;
      if (!scheme) continue;
      securitySchemes[scheme.name] = scheme.definition;
      security.push({ [scheme.name]: [] });
      errorCodes.push(401);
    }
    const authSchemes = options.authentication?.schemes ?? [];
    // Credentials that are sent are checked on every endpoint: a bad token is a 401 even where
    // none is needed.
    if (options.authentication) errorCodes.push(401);
    if (spec.auth === 'none' && !spec.permissions?.length) {
      // Public on purpose (signing in, signing up): said explicitly, not left unsaid.
      security.push({});
    } else if (spec.auth !== undefined || (spec.permissions?.length ?? 0) > 0) {
      for (const scheme of authSchemes) {
        securitySchemes[scheme.name] = scheme.definition;
        security.push({ [scheme.name]: [] });
      }
      // An empty requirement says the credentials are optional (OpenAPI 3.1, 4.8.30).
      if (spec.auth === 'optional' && !spec.permissions?.length) security.push({});
      else errorCodes.push(401);
      if (spec.permissions?.length) errorCodes.push(403);
    }
    // A session cookie sent with an unsafe request and no valid CSRF token is a 403, whatever
    // the endpoint (basalt/auth's session check).
    if (endpoint.method !== 'GET' && authSchemes.some((scheme) => scheme.definition.in === 'cookie'))
      errorCodes.push(403);
    const limited = effectiveRateLimit(spec.rateLimit, options.rateLimit) !== undefined;
    if (limited) errorCodes.push(429);
    if (spec.problems) errorCodes.push(...spec.problems);
    if (security.length > 0) operation.security = security;
    for (const code of errorCodes) responses[String(code)] ??= problem(code);
    for (const [status, response] of Object.entries(responses)) {
      const headers = answerHeaders(Number(status), limited, cors);
      if (headers)
        responses[status] = { ...response, headers: { ...(response.headers as JsonObject), ...headers } };
    }
    if (limited) usesRateLimit = true;
    operation.responses = Object.fromEntries(
      Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)),
    );

    const path = openApiPath(endpoint.path);
    paths[path] ??= {};
    paths[path][endpoint.method.toLowerCase()] = operation;
  }

  // Tags differing only in case are one (a resource's `Books` and a hand-written endpoint's
  // `books`): the capitalised spelling names them all.
  const canonical = new Map<string, string>();
  for (const tag of [...tags].sort()) {
    const key = tag.toLowerCase();
    const known = canonical.get(key);
    if (known === undefined || (/^[A-Z]/.test(tag) && !/^[A-Z]/.test(known))) canonical.set(key, tag);
  }
  const tagOf = (tag: string) => canonical.get(tag.toLowerCase()) ?? tag;
  for (const methods of Object.values(paths))
    for (const operation of Object.values(methods))
      if (Array.isArray(operation.tags))
        operation.tags = [...new Set((operation.tags as string[]).map(tagOf))];
  tags.clear();
  for (const tag of canonical.values()) tags.add(tag);

  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info,
    ...(options.servers?.length ? { servers: [...options.servers] } : {}),
    paths,
    components: { schemas: registry.schemas },
  };
  if (usesRateLimit || cors) {
    document.components.headers = { ...(usesRateLimit ? RATE_LIMIT_HEADERS : {}), ...cors };
  }
  integerFormats(document.paths);
  integerFormats(document.components.schemas);
  if (Object.keys(securitySchemes).length > 0) document.components.securitySchemes = securitySchemes;
  if (tags.size > 0) document.tags = [...tags].sort().map((name) => ({ name }));
  return document;
}
