export { type Static, type TSchema, Type as t } from '@sinclair/typebox';
export type {
  BasaltUser,
  BaseRequestContext,
  ContextProvider,
  RequestContext,
  RequestContextExtensions,
  RequestHook,
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
export { registerDocsRoutes } from './openapi/docs-page.js';
export { buildOpenApiDocument, type OpenApiDocument, type OpenApiInfo } from './openapi/document.js';
export { PROBLEM_CONTENT_TYPE, type Problem } from './problem.js';
export { pageHeaders, securityHeaders } from './security-headers.js';
export { buildHttpServer, type HttpServerOptions } from './server.js';
