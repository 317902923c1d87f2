/** Headers sent with every API answer (Django's SecurityMiddleware, helmet's defaults for APIs). */
export function securityHeaders(options: { production: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  };
  if (options.production) headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return headers;
}

/** The Content-Security-Policy of HTML pages Basalt serves itself (the docs page, later the admin). */
export const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
