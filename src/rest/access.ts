import type { AnyModel } from '../db/index.js';
import type { AuthRequirement, PermissionRequirement, RequestContext } from '../http/index.js';
import type { Access, ResourceAction, ResourceOptions } from './options.js';

/** The guard part of an endpoint spec an action's access becomes. */
export interface GuardSpec {
  auth?: AuthRequirement;
  permissions?: readonly PermissionRequirement[];
}

const MODEL_VERBS: Record<ResourceAction, string> = {
  list: 'view',
  retrieve: 'view',
  create: 'add',
  update: 'change',
  partialUpdate: 'change',
  delete: 'delete',
};

function named(name: string, check: (context: RequestContext) => boolean): PermissionRequirement {
  Object.defineProperty(check, 'name', { value: name });
  return check;
}

/** An active staff user (the same rule as `isStaff` of `basalt/auth`). */
export const staffOnly: PermissionRequirement = named('staff', (context) => {
  const user = context.user as { isStaff?: boolean; isActive?: boolean } | null;
  return user?.isStaff === true && user.isActive !== false;
});

/** The access of a standard action: its own entry, else `read`/`write`, else the default. */
export function accessOf(options: ResourceOptions<AnyModel>, action: ResourceAction): Access {
  const permissions = options.permissions ?? {};
  const read = action === 'list' || action === 'retrieve';
  return permissions[action] ?? (read ? permissions.read : permissions.write) ?? (read ? 'anyone' : 'staff');
}

/**
 * Turns an {@link Access} into the endpoint's `auth`/`permissions`, so the HTTP layer
 * enforces it (401/403) and OpenAPI shows it. `needsUser` makes an open action read the
 * user anyway (for scoping, object checks and field rules).
 */
export function guardFor(
  model: AnyModel,
  access: Access,
  action: ResourceAction | null,
  needsUser: boolean,
): GuardSpec {
  const optional: GuardSpec = needsUser ? { auth: 'optional' } : {};
  if (access === 'anyone') return optional;
  if (access === 'authenticated') return { auth: 'required' };
  if (access === 'staff') return { permissions: [staffOnly] };
  if (access === 'model') {
    const verb = action ? MODEL_VERBS[action] : 'change';
    return { permissions: [`${verb}_${model.name.toLowerCase()}`] };
  }
  const list = Array.isArray(access)
    ? (access as readonly PermissionRequirement[])
    : [access as PermissionRequirement];
  return list.length > 0 ? { permissions: list } : optional;
}
