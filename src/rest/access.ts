import type { AnyModel } from '../db/index.js';
import type { AuthRequirement, PermissionRequirement, RequestContext } from '../http/index.js';
import { type Actor, isActiveStaff } from '../ops/index.js';
import {
  bareCodename,
  isActiveSuperuser,
  type ResolvedAccess,
  resolveAccess,
  staffRule,
} from '../ops/internal.js';
import type { Access, ResourceAction } from './options.js';

/** The guard part of an endpoint spec an action's access becomes. */
export interface GuardSpec {
  auth?: AuthRequirement;
  permissions?: readonly PermissionRequirement[];
}

type AuthState = { hasPermission?(codename: string): boolean | Promise<boolean> } | undefined;

/**
 * The actor of a request: its user, and the permissions `auth()` loads once per request.
 * A class: one is made per request that reads it, and its methods cost nothing per request.
 */
class RequestActor implements Actor {
  readonly #context: RequestContext;

  constructor(context: RequestContext) {
    this.#context = context;
  }

  get kind() {
    return this.#context.user ? ('user' as const) : ('anonymous' as const);
  }

  get user() {
    return (this.#context.user as Actor['user']) ?? null;
  }

  get isStaff(): boolean {
    return isActiveStaff(this.#context.user);
  }

  get isSuperuser(): boolean {
    return isActiveSuperuser(this.#context.user);
  }

  hasPermission(codename: string): boolean | Promise<boolean> {
    const auth = (this.#context as { auth?: AuthState }).auth;
    return auth?.hasPermission?.(bareCodename(codename)) ?? false;
  }
}

/**
 * The actor of a request, for `operations(db)` of `basalt/ops` in an endpoint of your own:
 * its user, and the permissions `auth()` loads once per request. A small object over the
 * context, cheap enough to make per call.
 */
export function requestActor(context: RequestContext): Actor {
  return new RequestActor(context);
}

function named(name: string, check: (context: RequestContext) => boolean | Promise<boolean>) {
  Object.defineProperty(check, 'name', { value: name });
  return check;
}

/** An active staff user (the staff rule of `basalt/ops`). */
export const staffOnly: PermissionRequirement = named('staff', (context) => isActiveStaff(context.user));

/**
 * Turns an access into the endpoint's `auth`/`permissions`, so the HTTP layer enforces it
 * (401/403) and OpenAPI shows it, with the rules `basalt/ops` resolves: checks receive the
 * request's actor. `needsUser` makes an open action read the user anyway.
 */
export function guardFor(
  model: AnyModel,
  access: Access,
  action: ResourceAction | null,
  needsUser: boolean,
): GuardSpec {
  const resolved: ResolvedAccess = resolveAccess(model, access as never, action);
  if (resolved.open) return needsUser ? { auth: 'optional' } : {};
  if (resolved.rules.length === 0) return { auth: 'required' };
  const permissions = resolved.rules.map((rule): PermissionRequirement => {
    if (typeof rule === 'string') return bareCodename(rule);
    if (rule === staffRule) return staffOnly;
    return named(rule.name || 'named', (context) => rule(requestActor(context)));
  });
  return { permissions };
}
