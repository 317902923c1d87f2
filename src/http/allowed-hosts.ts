import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BasaltError } from '../core/index.js';

/** Where an app is reached, as configured: `ALLOWED_HOSTS` and `PUBLIC_URL`. */
export interface HostSettings {
  /** Host names a request may name (Django's ALLOWED_HOSTS): `api.example.com`, `.example.com`, `*`. */
  allowedHosts: readonly string[];
  /** The URL clients reach the app at (`https://api.example.com`); absolute URLs start with it. */
  publicUrl?: string | undefined;
  production: boolean;
}

interface ResolvedHosts {
  /** `undefined`: every host is accepted (development and tests without ALLOWED_HOSTS). */
  patterns: readonly string[] | undefined;
  /** PUBLIC_URL without its trailing slash. */
  publicBase: string | undefined;
}

const HOSTS = Symbol('basalt.hosts');
// Django's host_validation_re: a name or a bracketed IPv6 address, then an optional port.
const HOST_SHAPE = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:\d+)?$/;
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** The host of a Host header, lower-cased and without its port; `undefined` when malformed. */
export function hostName(header: string): string | undefined {
  const lower = header.toLowerCase();
  const match = HOST_SHAPE.exec(lower);
  if (match === null) return undefined;
  const name = match[1]!;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Django's `validate_host`: `*`, an exact name, or `.example.com` for it and its subdomains. */
export function isAllowedHost(name: string, patterns: readonly string[]): boolean {
  return patterns.some((raw) => {
    const pattern = raw.trim().toLowerCase();
    if (pattern === '*') return true;
    if (pattern.startsWith('.')) return name === pattern.slice(1) || name.endsWith(pattern);
    return name === pattern;
  });
}

function resolve(settings: HostSettings): ResolvedHosts {
  const publicBase = settings.publicUrl?.replace(/\/+$/, '');
  const publicHost = publicBase === undefined ? [] : [new URL(publicBase).host];
  const listed = settings.allowedHosts.filter((host) => host.trim() !== '');
  let patterns: string[] | undefined;
  if (listed.length > 0) patterns = [...listed, ...publicHost];
  // Production without ALLOWED_HOSTS answers its public host and loopback only (health checks,
  // a proxy on the same machine); `basalt check --deploy` reports the missing setting.
  else if (settings.production) patterns = [...publicHost, ...LOOPBACK];
  return {
    patterns: patterns?.map((pattern) => hostName(pattern) ?? pattern.toLowerCase()),
    publicBase,
  };
}

/**
 * Refuses requests whose Host (or X-Forwarded-Host from a trusted proxy, TRUST_PROXY) is not
 * allowed, with a 400 problem+json, before any routing or handler runs. `/health/*` is exempt:
 * load balancers probe it by address.
 */
export function installHostValidation(fastify: FastifyInstance, settings: HostSettings): void {
  const resolved = resolve(settings);
  (fastify as unknown as Record<symbol, ResolvedHosts>)[HOSTS] = resolved;
  const patterns = resolved.patterns;
  if (patterns === undefined) return;
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.url.startsWith('/health/')) return done();
    const name = hostName(request.host ?? '');
    if (name !== undefined && isAllowedHost(name, patterns)) return done();
    done(
      new BasaltError(
        'BASALT_HTTP_BAD_REQUEST',
        'Invalid Host header: the host this request names is not in ALLOWED_HOSTS',
      ),
    );
  });
}

/**
 * An absolute URL for `path` on this app: from `PUBLIC_URL` when it is set, else from the
 * request's protocol and host, which ALLOWED_HOSTS has validated in production. Never from an
 * `X-Forwarded-*` header unless TRUST_PROXY is on.
 *
 * @example
 * const link = absoluteUrl(ctx, `/reset?uid=${uid}&token=${token}`);
 */
export function absoluteUrl(context: { request: FastifyRequest }, path: string): string {
  const { request } = context;
  const resolved = (request.server as unknown as Record<symbol, ResolvedHosts | undefined>)[HOSTS];
  const relative = path.startsWith('/') ? path : `/${path}`;
  if (resolved?.publicBase !== undefined) return `${resolved.publicBase}${relative}`;
  return new URL(relative, `${request.protocol}://${request.host}`).toString();
}
