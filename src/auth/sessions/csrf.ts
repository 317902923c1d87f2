import type { FastifyRequest } from 'fastify';
import { BasaltError } from '../../core/index.js';
import { CsrfError } from './errors.js';

/** The header an unsafe session request carries its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change state and so need CSRF protection (all but GET, HEAD, OPTIONS, TRACE). */
export function isUnsafeMethod(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && method !== 'TRACE';
}

/**
 * Checks where an unsafe request comes from, as Django does: the Origin header, else the
 * Referer, must be the API's own origin (Host, or X-Forwarded-Host/-Proto under
 * TRUST_PROXY) or a trusted one. A request with neither header passes over plain HTTP
 * (the CSRF token still protects it) and fails over HTTPS.
 */
export class OriginPolicy {
  readonly #exact = new Set<string>();
  readonly #wildcards: { scheme: string; suffix: string }[] = [];

  constructor(trusted: readonly string[]) {
    for (const entry of trusted) {
      const match = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([^/?#*]+)\/?$/i.exec(entry.trim());
      if (!match)
        throw new BasaltError(
          'BASALT_CONFIG_INVALID',
          `CSRF_TRUSTED_ORIGINS: '${entry}' is not an origin; write it as https://app.example.com or https://*.example.com`,
        );
      const scheme = `${match[1]!.toLowerCase()}:`;
      const host = match[3]!.toLowerCase();
      if (match[2]) this.#wildcards.push({ scheme, suffix: `.${host}` });
      else this.#exact.add(new URL(`${scheme}//${host}`).origin);
    }
  }

  /** Throws {@link CsrfError} when the request's Origin (or Referer) is not allowed. */
  check(request: FastifyRequest): void {
    const secure = request.protocol === 'https';
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (!this.#allows(request, origin))
        throw new CsrfError(`Origin checking failed: ${truncate(origin)} does not match any trusted origins`);
      return;
    }
    const referer = request.headers.referer;
    if (referer === undefined) {
      if (secure) throw new CsrfError('Referer checking failed: no Origin or Referer header');
      return;
    }
    if (!this.#allows(request, referer))
      throw new CsrfError(`Referer checking failed: ${truncate(referer)} does not match any trusted origins`);
  }

  #allows(request: FastifyRequest, value: string): boolean {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.origin === 'null') return false;
    if (url.origin === ownOrigin(request)) return true;
    if (this.#exact.has(url.origin)) return true;
    for (const { scheme, suffix } of this.#wildcards)
      if (url.protocol === scheme && url.host.endsWith(suffix)) return true;
    return false;
  }
}

function ownOrigin(request: FastifyRequest): string | undefined {
  const host = request.host;
  if (!host) return undefined;
  try {
    return new URL(`${request.protocol}://${host}`).origin;
  } catch {
    return undefined;
  }
}

function truncate(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}
