import type { FastifyReply } from 'fastify';

/** The value of the cookie `name` in a Cookie header (first one wins), without allocating an array. */
export function readCookie(header: string, name: string): string | undefined {
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      const value = header.slice(eq + 1, end).trim();
      return value.length > 1 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
    start = end + 1;
  }
  return undefined;
}

/** Attributes of the session cookie. */
export interface CookieAttributes {
  name: string;
  secure: boolean;
}

/**
 * A Set-Cookie line for the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure in
 * production. `maxAge` 0 deletes the cookie.
 */
export function serializeCookie(attributes: CookieAttributes, value: string, maxAge: number): string {
  const secure = attributes.secure ? '; Secure' : '';
  return `${attributes.name}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax${secure}`;
}

/** Sets the session cookie on a reply, replacing one set earlier in the same request. */
export function setCookie(
  reply: FastifyReply,
  attributes: CookieAttributes,
  value: string,
  maxAge: number,
): void {
  const line = serializeCookie(attributes, value, maxAge);
  const existing = reply.getHeader('set-cookie');
  if (existing === undefined) {
    reply.header('set-cookie', line);
    return;
  }
  const prefix = `${attributes.name}=`;
  const lines = (Array.isArray(existing) ? existing : [String(existing)]).filter(
    (l) => !l.startsWith(prefix),
  );
  reply.removeHeader('set-cookie');
  reply.header('set-cookie', [...lines, line]);
}
