// Names createApp needs to assemble the HTTP server. Not a package subpath: apps never import them
// (see "Public and internal names" in docs/architecture.md).

export { isTypedResponse } from './endpoint.js';
export { registerDocsRoutes } from './openapi/docs-page.js';
export { buildOpenApiDocument } from './openapi/document.js';
export { ERROR_PAGE, type ErrorPageHook, toProblem } from './problem.js';
export { isSafeRedirect, type SafeRedirectOptions } from './safe-redirect.js';
export { PAGE_CSP, pageHeaders, securityHeaders } from './security-headers.js';
export { buildHttpServer } from './server.js';
