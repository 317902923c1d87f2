/**
 * Headers sent with every API answer. A JSON answer needs no more than these: `nosniff`
 * stops a browser reading it as HTML, the CSP forbids running or framing it, CORP keeps
 * other sites from embedding it. The page-only headers (framing, referrer, opener) go on
 * HTML pages, see {@link pageHeaders} — every header costs on every request.
 */
export function securityHeaders(options: { production: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
  };
  if (options.production) headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return headers;
}

/** The Content-Security-Policy of HTML pages Basalt serves itself (the docs page, later the admin). */
export const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** Headers of HTML pages: the API set plus those that only matter for documents (Django's defaults). */
export function pageHeaders(apiHeaders: Record<string, string>): Record<string, string> {
  return {
    ...apiHeaders,
    'content-security-policy': PAGE_CSP,
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cross-origin-opener-policy': 'same-origin',
  };
}
