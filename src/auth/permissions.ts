import type { PermissionRequirement, RequestContext } from '../http/index.js';
import { isActiveStaff } from '../ops/index.js';
import { bareCodename, isActiveSuperuser } from '../ops/internal.js';

/**
 * A model or custom permission by codename, for an endpoint's `permissions`:
 * `permission('change_book')`. Django's `app_label.codename` form is accepted too
 * (`permission('bookshop.change_book')`); Basalt's codenames have no app label, so the part
 * before the dot is dropped.
 */
export function permission(codename: string): PermissionRequirement {
  return bareCodename(codename);
}

/** The user may use the admin: an active staff user (the one staff rule, `isActiveStaff` of `basalt/ops`). */
export const isStaff: PermissionRequirement = (ctx: RequestContext) => isActiveStaff(ctx.user);

/** The user is an active superuser. */
export const isSuperuser: PermissionRequirement = (ctx: RequestContext) => isActiveSuperuser(ctx.user);

/**
 * A check of your own over the user and the request, named in the 403 it causes:
 * `allow('own account', ({ user, request }) => ...)`.
 */
export function allow(
  name: string,
  check: (context: RequestContext) => boolean | Promise<boolean>,
): PermissionRequirement {
  const named = (context: RequestContext) => check(context);
  Object.defineProperty(named, 'name', { value: name });
  return named;
}
