/** The user an actor acts as: the app's user row (`auth_user` or a swapped model). */
export interface ActorUser {
  readonly id: unknown;
  readonly isActive?: boolean | undefined;
  readonly isStaff?: boolean | undefined;
  readonly isSuperuser?: boolean | undefined;
  readonly [field: string]: unknown;
}

/** Who performs an operation: a signed-in user, nobody (`anonymous`), or Basalt itself (`system`). */
export type ActorKind = 'user' | 'anonymous' | 'system';

/**
 * Who performs an operation. Policies, object checks, row scopes, field rules and hooks
 * receive it. A job, a CLI command or a test makes one with {@link userActor}, or uses
 * {@link anonymous} or {@link system}; REST makes one per request from `ctx.user`.
 */
export interface Actor {
  readonly kind: ActorKind;
  /** The user, or null for the anonymous and system actors. */
  readonly user: ActorUser | null;
  /** An active staff user (the one staff rule of Basalt, see {@link isActiveStaff}). */
  readonly isStaff: boolean;
  /** An active superuser: holds every permission. */
  readonly isSuperuser: boolean;
  /** True when the actor holds the permission codename (`view_order`; `shop.view_order` is accepted). */
  hasPermission(codename: string): boolean | Promise<boolean>;
}

declare module '../db/model.js' {
  /** A model hook's actor is the operation layer's {@link Actor}. */
  interface HookActor extends Actor {}
}

/** The staff rule, written once: an active user with `isStaff` (Django's admin rule). */
export function isActiveStaff(user: { isStaff?: unknown; isActive?: unknown } | null | undefined): boolean {
  return user?.isStaff === true && user.isActive !== false;
}

/** An active user with `isSuperuser`. */
export function isActiveSuperuser(
  user: { isSuperuser?: unknown; isActive?: unknown } | null | undefined,
): boolean {
  return user?.isSuperuser === true && user.isActive !== false;
}

/** `shop.change_book` → `change_book`: Basalt's codenames have no app label. */
export function bareCodename(codename: string): string {
  const dot = codename.lastIndexOf('.');
  return dot === -1 ? codename : codename.slice(dot + 1);
}

/** Where a user actor's permission codenames come from: a set, or a loader called once. */
export type PermissionSource = ReadonlySet<string> | Iterable<string> | (() => Promise<ReadonlySet<string>>);

class UserActor implements Actor {
  readonly kind = 'user';
  readonly user: ActorUser;
  #set: ReadonlySet<string> | undefined;
  #load: (() => Promise<ReadonlySet<string>>) | undefined;
  #loading: Promise<ReadonlySet<string>> | undefined;

  constructor(user: ActorUser, permissions: PermissionSource | undefined) {
    this.user = user;
    if (typeof permissions === 'function') this.#load = permissions;
    else this.#set = permissions instanceof Set ? permissions : new Set(permissions ?? []);
  }

  get isStaff(): boolean {
    return isActiveStaff(this.user);
  }

  get isSuperuser(): boolean {
    return isActiveSuperuser(this.user);
  }

  hasPermission(codename: string): boolean | Promise<boolean> {
    if (this.user.isActive === false) return false;
    if (this.isSuperuser) return true;
    const bare = bareCodename(codename);
    if (this.#set) return this.#set.has(bare);
    this.#loading ??= this.#load!();
    return this.#loading.then((set) => set.has(bare));
  }
}

class FixedActor implements Actor {
  readonly kind: 'anonymous' | 'system';
  readonly user = null;
  readonly isStaff: boolean;
  readonly isSuperuser: boolean;

  constructor(kind: 'anonymous' | 'system') {
    this.kind = kind;
    this.isStaff = kind === 'system';
    this.isSuperuser = kind === 'system';
  }

  hasPermission(): boolean {
    return this.kind === 'system';
  }
}

/** Nobody signed in: only what a policy grants to `'anyone'`. */
export const anonymous: Actor = new FixedActor('anonymous');

/**
 * Basalt or the app itself (a migration, a seed, a scheduled job acting for no one): every
 * policy lets it through, and hooks see `actor.kind === 'system'`.
 */
export const system: Actor = new FixedActor('system');

/**
 * An actor for a user row. `permissions` is the user's codenames (from groups and direct
 * grants), or a function loading them on first need — e.g.
 * `userActor(user, () => getAuth(app).permissionsOf(db, user))`. An inactive user holds
 * none; an active superuser holds all.
 */
export function userActor(user: ActorUser, permissions?: PermissionSource): Actor {
  return new UserActor(user, permissions);
}
