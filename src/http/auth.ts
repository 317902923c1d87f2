import { AuthenticationError, PermissionDeniedError } from '../core/index.js';
import type { RequestContext } from './context.js';
import type { SecurityScheme } from './dependency.js';

/**
 * A permission an endpoint requires: a codename the installed authentication resolves
 * (`'change_book'`, Django's `has_perm`), or a check over the request context.
 */
export type PermissionRequirement = string | ((context: RequestContext) => boolean | Promise<boolean>);

/**
 * Who may call an endpoint: `required` answers 401 without a user; `optional` just reads one;
 * `none` says the endpoint is public on purpose (signing in, signing up), which the OpenAPI
 * document declares as an empty security requirement (`security: [{}]`).
 */
export type AuthRequirement = 'required' | 'optional' | 'none';

/**
 * What an authentication capability (`basalt/auth`) tells the HTTP layer: the OpenAPI
 * schemes it accepts, the `WWW-Authenticate` challenge of a 401, and how a codename
 * permission is checked. It sets `context.user` through a context provider.
 */
export interface Authentication {
  /** Security schemes for OpenAPI, e.g. a bearer JWT and a session cookie. */
  readonly schemes: readonly SecurityScheme[];
  /** The `WWW-Authenticate` header of a 401, e.g. `Bearer realm="api"`. */
  readonly challenge: string;
  /** True when the context's user holds the permission `codename`. */
  hasPermission(context: RequestContext, codename: string): boolean | Promise<boolean>;
}

/** What the HTTP layer enforces before the handler runs. */
export interface EndpointGuard {
  readonly auth: AuthRequirement | undefined;
  readonly permissions: readonly PermissionRequirement[];
}

/** True when an endpoint needs a user: `auth: 'required'` or any permission. */
export function requiresUser(guard: EndpointGuard): boolean {
  return guard.auth === 'required' || guard.permissions.length > 0;
}

/** The 401 an anonymous request gets, carrying the authentication's challenge. */
export function unauthenticated(
  authentication: Authentication | undefined,
  detail = 'Authentication credentials were not provided',
): AuthenticationError {
  return new AuthenticationError(detail, {
    headers: authentication ? { 'www-authenticate': authentication.challenge } : {},
  });
}

/**
 * Enforces an endpoint's `auth` and `permissions`: 401 (with `WWW-Authenticate`) without a
 * user, 403 when a permission is missing. Synchronous unless a permission check is async.
 */
export function enforceGuard(
  guard: EndpointGuard,
  authentication: Authentication | undefined,
  context: RequestContext,
): void | Promise<void> {
  if (!requiresUser(guard)) return undefined;
  if (context.user === null) throw unauthenticated(authentication);
  return checkPermissions(guard.permissions, authentication, context, 0);
}

function checkPermissions(
  permissions: readonly PermissionRequirement[],
  authentication: Authentication | undefined,
  context: RequestContext,
  from: number,
): void | Promise<void> {
  for (let i = from; i < permissions.length; i += 1) {
    const permission = permissions[i]!;
    const granted =
      typeof permission === 'string'
        ? authentication!.hasPermission(context, permission)
        : permission(context);
    if (granted === true) continue;
    if (granted === false) throw forbidden(permission);
    return granted.then((ok) => {
      if (!ok) throw forbidden(permission);
      return checkPermissions(permissions, authentication, context, i + 1);
    });
  }
  return undefined;
}

function forbidden(permission: PermissionRequirement): PermissionDeniedError {
  if (typeof permission === 'string')
    return new PermissionDeniedError(`You need the permission '${permission}' for this`);
  // Checks made with allow('name', ...) or named functions say which rule refused.
  const name =
    permission.name && permission.name !== 'anonymous' && permission.name !== 'named' ? permission.name : '';
  return new PermissionDeniedError(
    name ? `You do not have permission to do this (${name})` : 'You do not have permission to do this',
  );
}
