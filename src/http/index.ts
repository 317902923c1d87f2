export { type Static, type TSchema, Type as t } from '@sinclair/typebox';
export { absoluteUrl } from './allowed-hosts.js';
export type {
  Authentication,
  AuthRequirement,
  PermissionRequirement,
} from './auth.js';
export type {
  BasaltUser,
  BaseRequestContext,
  ContextProvider,
  RequestContext,
  RequestContextExtensions,
  RequestHook,
  RequestWrapper,
} from './context.js';
export {
  type AnyDependency,
  type Dependencies,
  type Dependency,
  type DependencyContext,
  defineDependency,
  type ResolvedDependencies,
  type SecurityScheme,
} from './dependency.js';
export {
  type AnyEndpoint,
  del,
  type Endpoint,
  type EndpointContext,
  type EndpointRateLimit,
  type EndpointSpec,
  get,
  type Handler,
  type HandlerResult,
  type HttpMethod,
  type PathParams,
  patch,
  post,
  put,
  type ResponseSchemas,
  type Responses,
  respond,
  type TypedResponse,
} from './endpoint.js';
export type { OpenApiDocument, OpenApiInfo } from './openapi/document.js';
export { PROBLEM_CONTENT_TYPE, type Problem } from './problem.js';
export {
  consumeRateLimit,
  createDatabaseRateLimitStore,
  createMemoryRateLimitStore,
  createRedisRateLimitStore,
  type DatabaseRateLimitStoreOptions,
  type MemoryRateLimitStore,
  type MemoryRateLimitStoreOptions,
  parseDuration,
  type RateLimitHit,
  type RateLimitResult,
  type RateLimitRule,
  type RateLimitStore,
  type RedisRateLimitClient,
  type RedisRateLimitStoreOptions,
  rateLimitError,
  rateLimitHeaders,
} from './rate-limit/index.js';
