import type { PermissionRequirement, RequestContext } from '../http/index.js';

/**
 * A model or custom permission by codename, for an endpoint's `permissions`:
 * `permission('change_book')`. Django's `app_label.codename` form is accepted too
 * (`permission('bookshop.change_book')`); Basalt's codenames have no app label, so the part
 * before the dot is dropped.
 */
export function permission(codename: string): PermissionRequirement {
  const dot = codename.lastIndexOf('.');
  return dot === -1 ? codename : codename.slice(dot + 1);
}

/** The user may use the admin (`isStaff`). */
export const isStaff: PermissionRequirement = (ctx: RequestContext) =>
  ctx.user?.isStaff === true && ctx.user.isActive !== false;

/** The user is a superuser. */
export const isSuperuser: PermissionRequirement = (ctx: RequestContext) =>
  ctx.user?.isSuperuser === true && ctx.user.isActive !== false;

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
