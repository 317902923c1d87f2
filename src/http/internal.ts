// Names createApp needs to assemble the HTTP server. Not a package subpath: apps never import them
// (see "Public and internal names" in docs/architecture.md).
export { registerDocsRoutes } from './openapi/docs-page.js';
export { buildOpenApiDocument } from './openapi/document.js';
export { isSafeRedirect, type SafeRedirectOptions } from './safe-redirect.js';
export { securityHeaders } from './security-headers.js';
export { buildHttpServer } from './server.js';
