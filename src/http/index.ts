export type { BaseRequestContext, BasaltUser, ContextProvider, RequestContext, RequestContextExtensions } from './context.js';
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
export { buildOpenApiDocument, type OpenApiDocument, type OpenApiInfo } from './openapi/document.js';
export { registerDocsRoutes } from './openapi/docs-page.js';
export { type Problem, PROBLEM_CONTENT_TYPE } from './problem.js';
export { buildHttpServer, type HttpServerOptions } from './server.js';
export { securityHeaders } from './security-headers.js';
export { Type as t, type Static, type TSchema } from '@sinclair/typebox';
