import { AuthenticationError, PermissionDeniedError } from '../core/index.js';
import type { AnyModel } from '../db/index.js';
import type { Actor } from './actor.js';

/** The standard actions of a collection (REST's list, retrieve, create, PUT, PATCH and delete). */
export type CollectionAction = 'list' | 'retrieve' | 'create' | 'update' | 'partialUpdate' | 'delete';

/** Every standard action, in the order REST declares its routes. */
export const COLLECTION_ACTIONS: readonly CollectionAction[] = [
  'list',
  'retrieve',
  'create',
  'update',
  'partialUpdate',
  'delete',
];

/** A permission codename the actor must hold (`change_book`), or a check over the actor. */
export type AccessRule = string | ((actor: Actor) => boolean | Promise<boolean>);

/**
 * Who may perform an action: `'anyone'`, `'authenticated'`, `'staff'` (an active staff
 * user), `'superuser'`, `'model'` (the model permission of the action: `view_book`,
 * `add_book`, `change_book`, `delete_book`), or rules — codenames and checks over the
 * actor — all of which must hold. The system actor passes every rule.
 */
export type Access =
  | 'anyone'
  | 'authenticated'
  | 'staff'
  | 'superuser'
  | 'model'
  | AccessRule
  | readonly AccessRule[];

/** Django's verbs of the model permissions, per action. */
export const MODEL_VERBS: Readonly<Record<CollectionAction, string>> = {
  list: 'view',
  retrieve: 'view',
  create: 'add',
  update: 'change',
  partialUpdate: 'change',
  delete: 'delete',
};

/** `change_book`: the model permission of an action (custom actions need `change`). */
export function modelPermission(model: AnyModel, action: CollectionAction | null): string {
  return `${action ? MODEL_VERBS[action] : 'change'}_${model.name.toLowerCase()}`;
}

/** The access of a standard action: its own entry, else `read`/`write`, else `{ read: 'anyone', write: 'staff' }`. */
export function accessOf(
  permissions: Partial<Record<CollectionAction | 'read' | 'write', Access>> | undefined,
  action: CollectionAction,
): Access {
  const read = action === 'list' || action === 'retrieve';
  return (
    permissions?.[action] ?? (read ? permissions?.read : permissions?.write) ?? (read ? 'anyone' : 'staff')
  );
}

/** The rules an access stands for, resolved once per collection and action. */
export interface ResolvedAccess {
  /** No actor is refused. */
  readonly open: boolean;
  /** Only a signed-in actor passes (the 401 rule). */
  readonly signedIn: boolean;
  readonly rules: readonly AccessRule[];
}

function named(name: string, check: (actor: Actor) => boolean): AccessRule {
  Object.defineProperty(check, 'name', { value: name });
  return check;
}

/** Staff only (the rule of {@link isActiveStaff}). */
export const staffRule: AccessRule = named('staff', (actor) => actor.isStaff);
const superuserRule: AccessRule = named('superuser', (actor) => actor.isSuperuser);

/** Resolves an access for one action of a model. */
export function resolveAccess(
  model: AnyModel,
  access: Access,
  action: CollectionAction | null,
): ResolvedAccess {
  if (access === 'anyone') return { open: true, signedIn: false, rules: [] };
  if (access === 'authenticated') return { open: false, signedIn: true, rules: [] };
  if (access === 'staff') return { open: false, signedIn: true, rules: [staffRule] };
  if (access === 'superuser') return { open: false, signedIn: true, rules: [superuserRule] };
  if (access === 'model') return { open: false, signedIn: true, rules: [modelPermission(model, action)] };
  const rules = typeof access === 'string' || typeof access === 'function' ? [access] : [...access];
  return { open: rules.length === 0, signedIn: rules.length > 0, rules };
}

function refused(rule: AccessRule): PermissionDeniedError {
  if (typeof rule === 'string')
    return new PermissionDeniedError(`You need the permission '${rule}' for this`);
  const name = rule.name && rule.name !== 'anonymous' && rule.name !== 'named' ? rule.name : '';
  return new PermissionDeniedError(
    name ? `You do not have permission to do this (${name})` : 'You do not have permission to do this',
  );
}

/**
 * Enforces a resolved access: 401 for the anonymous actor where a user is needed, 403 when
 * a rule refuses. Synchronous unless a rule is.
 */
export function enforceAccess(access: ResolvedAccess, actor: Actor): void | Promise<void> {
  if (access.open || actor.kind === 'system') return undefined;
  if (actor.kind === 'anonymous')
    throw new AuthenticationError('Authentication credentials were not provided');
  return checkRules(access.rules, actor, 0);
}

function checkRules(rules: readonly AccessRule[], actor: Actor, from: number): void | Promise<void> {
  for (let i = from; i < rules.length; i += 1) {
    const rule = rules[i]!;
    const granted = typeof rule === 'string' ? actor.hasPermission(rule) : rule(actor);
    if (granted === true) continue;
    if (granted === false) throw refused(rule);
    return granted.then((ok) => {
      if (!ok) throw refused(rule);
      return checkRules(rules, actor, i + 1);
    });
  }
  return undefined;
}
