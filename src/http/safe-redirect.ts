/** Options of {@link isSafeRedirect}. */
export interface SafeRedirectOptions {
  /** The app's own origin as the browser sees it (`https://shop.example`). */
  origin: string;
  /** Other hosts a redirect may go to (`accounts.shop.example`, `shop.example:8443`), exact and lower-case. */
  allowedHosts?: readonly string[];
}

const MAX_LENGTH = 2048;
/** Printable ASCII without space and backslash: browsers strip tabs and newlines and read `\` as `/`. */
const PRINTABLE = /^[\x21-\x5b\x5d-\x7e]+$/;
/** What browsers and proxies drop or ignore in a URL: ASCII controls, space, Unicode spaces and format characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const IGNORED = /[\x00-\x20\x7f-\xa0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]/gu;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * True when `target` (a user-supplied "where to go next") may be sent as a redirect's
 * `Location`: a path on the app's own origin (`/books?page=2`), or an absolute http(s) URL on
 * the origin or one of `allowedHosts`. Anything else is refused rather than repaired: control
 * characters, whitespace, backslashes and non-ASCII characters anywhere (browsers strip or
 * rewrite them), scheme-relative (`//host`, `/\host`) and relative (`next`, `?x`) targets,
 * other schemes (`javascript:`, `data:`, `https:host` without slashes), userinfo, and paths that
 * decode to one of these (`/%2F%2Fhost`). Never throws.
 *
 * @example
 * const next = isSafeRedirect(ctx.query.next, { origin: 'https://shop.example' }) ? ctx.query.next : '/';
 */
export function isSafeRedirect(target: unknown, options: SafeRedirectOptions): boolean {
  if (typeof target !== 'string' || target.length === 0 || target.length > MAX_LENGTH) return false;
  if (!PRINTABLE.test(target)) return false;
  let origin: URL;
  try {
    origin = new URL(options.origin);
  } catch {
    return false;
  }
  if (SCHEME.test(target)) return isAllowedAbsolute(target, origin, options.allowedHosts ?? []);
  if (!target.startsWith('/') || target.startsWith('//')) return false;
  let url: URL;
  try {
    url = new URL(target, origin.origin);
  } catch {
    return false;
  }
  return (
    url.origin === origin.origin && url.username === '' && url.password === '' && !decodesToEscape(target)
  );
}

function isAllowedAbsolute(target: string, origin: URL, allowedHosts: readonly string[]): boolean {
  // `https:evil.example` is relative to an https base but absolute to an http one: only `scheme://`.
  if (!/^https?:\/\/[^/]/i.test(target)) return false;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && origin.protocol === 'http:')) return false;
  if (decodesToEscape(url.pathname)) return false;
  if (url.origin === origin.origin) return true;
  const host = url.host.toLowerCase();
  return allowedHosts.some((allowed) => allowed.toLowerCase() === host);
}

/** True when percent-decoding the path (up to three times) yields `//` or `/\`, once whitespace is dropped. */
function decodesToEscape(path: string): boolean {
  let current = path.split(/[?#]/, 1)[0] ?? '';
  for (let round = 0; round < 3 && current.includes('%'); round += 1) {
    try {
      current = decodeURIComponent(current);
    } catch {
      return true;
    }
    const normalized = current.replace(IGNORED, '').replaceAll('\\', '/');
    if (normalized.startsWith('//')) return true;
  }
  return false;
}
