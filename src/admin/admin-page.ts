import { type PageContext, type PageOptions, type PageResult, page } from '../views/index.js';

/**
 * The admin's Content-Security-Policy: views' page policy without `'unsafe-inline'` styles
 * (the admin's markup has no inline style; its style sheet and script are files of its own).
 */
export const ADMIN_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const ADMIN_HEADERS = { 'content-security-policy': ADMIN_CSP } as const;

/** A page of the admin: views' `page()` with the admin's stricter document headers. */
export function adminPage<const P extends string, const O extends PageOptions>(
  path: P,
  options: O,
  handler: (context: PageContext<P, O>) => PageResult | Promise<PageResult>,
): ReturnType<typeof page<P, O>> {
  return page(path, { ...options, documentHeaders: ADMIN_HEADERS }, handler as never) as never;
}
