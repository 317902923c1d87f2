import type { FastifyReply } from 'fastify';

import { replaceSetCookie } from '../../internal/cookies.js';

export { readCookie } from '../../internal/cookies.js';

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
  replaceSetCookie(reply, attributes.name, serializeCookie(attributes, value, maxAge));
}
