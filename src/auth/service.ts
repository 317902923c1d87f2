import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { ValidationError } from '../core/index.js';
import { type AnyModel, type Executor, RecordNotFoundError } from '../db/index.js';
import type { MailBackend } from '../mail/index.js';
import { hashToken, TokenRejectedError, type TokenService } from './jwt/index.js';
import { Group, Permission } from './models.js';
import {
  type PasswordHashing,
  type PasswordTokens,
  type PasswordValidator,
  passwordProblems,
} from './passwords/index.js';
import type { UserKey } from './user-key.js';

/** A user row as the auth service reads it; the app's user model may have more fields. */
export interface AuthUser {
  /** The user model's key (see `AuthRegister`). */
  id: UserKey;
  password: string;
  isActive: boolean;
  isStaff?: boolean;
  isSuperuser?: boolean;
  lastLogin?: Date | null;
  email?: string;
  [field: string]: unknown;
}

/** An access and refresh token pair, as `POST /auth/token` returns it. */
export interface TokenPair {
  access: string;
  refresh: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Seconds until the refresh token expires. */
  refreshExpiresIn: number;
}

/** Everything the auth module knows how to do, for handlers, commands and tests (`getAuth(app)`). */
export interface AuthService {
  readonly userModel: AnyModel;
  /** The field users log in with (`email` by default). */
  readonly usernameField: string;
  readonly passwords: PasswordHashing;
  readonly tokens: TokenService;
  readonly passwordResetTokens: PasswordTokens;
  readonly mail: MailBackend;
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
  /** Normalises a login name the way it is stored (emails: lower case). */
  normalizeUsername(value: string): string;
  /** Creates a user; the password is validated (unless `validate: false`) and hashed. */
  createUser(
    db: Executor,
    input: Record<string, unknown>,
    options?: { validate?: boolean },
  ): Promise<AuthUser>;
  /** Validates and stores a new password. */
  setPassword(
    db: Executor,
    user: AuthUser,
    password: string,
    options?: { validate?: boolean },
  ): Promise<AuthUser>;
  /** Throws a 400 naming every problem with a new password for this user. */
  validatePassword(password: string, user?: Partial<AuthUser>, pointer?: string): void;
  /**
   * The active user with these credentials, or null; upgrades an old hash and records the
   * login. Takes about as long for an unknown user as for a wrong password.
   */
  authenticate(db: Executor, username: string, password: string): Promise<AuthUser | null>;
  /** The user by id when it exists and is active. */
  activeUser(db: Executor, id: unknown): Promise<AuthUser | null>;
  /** Issues a new token pair (a new refresh-token family). */
  issueTokens(db: Executor, user: AuthUser): Promise<TokenPair>;
  /** Rotates a refresh token; a reused one revokes its whole family (401). */
  refresh(db: Executor, refreshToken: string): Promise<TokenPair>;
  /** Revokes the family of a refresh token (logout); true when it belonged to `userId`. */
  revokeRefreshToken(db: Executor, refreshToken: string, userId?: AuthUser['id']): Promise<boolean>;
  /**
   * Signs a user out everywhere (logout everywhere, password change or reset): revokes every
   * refresh token and runs the hooks registered with `onRevokeAll` (sessions end there).
   */
  revokeAllTokens(db: Executor, userId: AuthUser['id']): Promise<number>;
  /** Runs `hook` whenever `revokeAllTokens` signs a user out everywhere. */
  onRevokeAll(hook: (db: Executor, userId: AuthUser['id']) => Promise<void>): void;
  /** The codenames a user holds directly and through groups (all of them for a superuser). */
  permissionsOf(db: Executor, user: AuthUser): Promise<ReadonlySet<string>>;
  /** Creates missing view/add/change/delete (and custom) permissions for the models. */
  syncPermissions(db: Executor, models: readonly AnyModel[]): Promise<number>;
  /** Grants permissions (created when missing) to a user or a group. */
  grantPermissions(
    db: Executor,
    to: { user: AuthUser['id'] } | { group: number },
    codenames: readonly string[],
  ): Promise<void>;
}

/** The standard actions every model gets a permission for (Django's default_permissions). */
export const MODEL_ACTIONS = ['view', 'add', 'change', 'delete'] as const;

/** The permissions of a model: `view_book`, ..., plus its custom `permissions` option. */
export function modelPermissions(model: AnyModel): { codename: string; name: string; model: string }[] {
  const key = model.name.toLowerCase();
  const label = model.meta.label.toLowerCase();
  const standard = MODEL_ACTIONS.map((action) => ({
    codename: `${action}_${key}`,
    name: `Can ${action} ${label}`,
    model: model.name,
  }));
  const custom = Object.entries(model.options.permissions ?? {}).map(([codename, name]) => ({
    codename,
    name,
    model: model.name,
  }));
  return [...standard, ...custom];
}

interface ServiceParts {
  userModel: AnyModel;
  usernameField: string;
  passwords: PasswordHashing;
  validators: readonly PasswordValidator[] | undefined;
  tokens: TokenService;
  passwordResetTokens: PasswordTokens;
  mail: MailBackend;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  refreshTokenModel: AnyModel;
  /** Access tokens carry the user's name and flags (`bearerUser: 'token'`). */
  statelessTokens?: boolean;
}

interface RefreshRow {
  id: number;
  hash: string;
  family: string;
  userId: AuthUser['id'];
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

type LooseExecutor = {
  query(model: AnyModel): {
    where(where: Record<string, unknown>): { first(): Promise<unknown>; all(): Promise<unknown[]> };
    get(id: unknown): Promise<unknown>;
  };
  create(model: AnyModel, data: Record<string, unknown>): Promise<unknown>;
  update(model: AnyModel, id: unknown, data: Record<string, unknown>): Promise<unknown>;
  updateMany(model: AnyModel, where: Record<string, unknown>, data: Record<string, unknown>): Promise<number>;
  upsert(model: AnyModel, data: Record<string, unknown>, options: { conflict: string[] }): Promise<unknown>;
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  kysely: Executor['kysely'];
};

/** The dynamic user model makes row types unknowable here; this is the one untyped door. */
function loose(db: Executor): LooseExecutor {
  return db as unknown as LooseExecutor;
}

/** Builds the auth service of an app (internal: `auth()` calls it in its setup). */
export function createAuthService(parts: ServiceParts): AuthService {
  const { userModel, usernameField, passwords, tokens, refreshTokenModel } = parts;
  let dummyHash: Promise<string> | undefined;
  const revokeHooks: Array<(db: Executor, userId: AuthUser['id']) => Promise<void>> = [];
  const isEmail = userModel.meta.fields[usernameField]?.kind === 'email';
  const normalizeUsername = (value: string) => (isEmail ? value.trim().toLowerCase() : value.trim());

  const permissionTables = () => {
    const direct = userModel.meta.fields.permissions?.relation?.through;
    const groups = userModel.meta.fields.groups?.relation?.through;
    const groupPermissions = (
      userModel.meta.fields.groups?.relation ? groupModelPermissionsThrough() : undefined
    ) as ReturnType<typeof groupModelPermissionsThrough> | undefined;
    return { direct, groups, groupPermissions };
  };

  const service: AuthService = {
    userModel,
    usernameField,
    passwords,
    tokens,
    passwordResetTokens: parts.passwordResetTokens,
    mail: parts.mail,
    accessTtlSeconds: parts.accessTtlSeconds,
    refreshTtlSeconds: parts.refreshTtlSeconds,
    normalizeUsername,

    validatePassword(password, user = {}, pointer = '/password') {
      const problems = passwordProblems(password, {
        ...(parts.validators ? { validators: [...parts.validators] } : {}),
        user: user as Record<string, unknown>,
      });
      if (problems.length > 0)
        throw new ValidationError(
          problems.map((p) => ({ ...p, pointer })),
          'The password is not acceptable',
        );
    },

    async createUser(db, input, options = {}) {
      const { password, ...rest } = input;
      const data: Record<string, unknown> = { ...rest };
      if (typeof data[usernameField] === 'string')
        data[usernameField] = normalizeUsername(data[usernameField] as string);
      if (typeof password === 'string' && password !== '') {
        if (options.validate !== false) service.validatePassword(password, data as Partial<AuthUser>);
        data.password = await passwords.hash(password);
      } else {
        data.password = '';
      }
      return (await loose(db).create(userModel, data)) as AuthUser;
    },

    async setPassword(db, user, password, options = {}) {
      if (options.validate !== false) service.validatePassword(password, user);
      return (await loose(db).update(userModel, user.id, {
        password: await passwords.hash(password),
      })) as AuthUser;
    },

    async authenticate(db, username, password) {
      if (typeof username !== 'string' || typeof password !== 'string') return null;
      const user = (await loose(db)
        .query(userModel)
        .where({ [usernameField]: normalizeUsername(username) })
        .first()) as AuthUser | undefined;
      if (!user || !user.password) {
        // Spend the time a real check would, so timing does not reveal which accounts exist.
        dummyHash ??= passwords.hash(randomBytes(16).toString('hex'));
        await passwords.checkPassword(password, await dummyHash);
        return null;
      }
      const { valid, needsRehash } = await passwords.checkPassword(password, user.password);
      if (!valid || user.isActive === false) return null;
      const changes: Record<string, unknown> = {};
      if ('lastLogin' in userModel.meta.fields) changes.lastLogin = new Date();
      if (needsRehash) changes.password = await passwords.hash(password);
      if (Object.keys(changes).length === 0) return user;
      return (await loose(db).update(userModel, user.id, changes)) as AuthUser;
    },

    async activeUser(db, id) {
      if (id === undefined || id === null || id === '') return null;
      const pk = userModel.meta.primaryKey.type === 'integer' ? Number(id) : String(id);
      if (typeof pk === 'number' && !Number.isSafeInteger(pk)) return null;
      // `get` by primary key takes the db layer's prepared-statement path.
      const user = (await loose(db)
        .query(userModel)
        .get(pk)
        .catch((error: unknown) => {
          if (error instanceof RecordNotFoundError) return undefined;
          throw error;
        })) as AuthUser | undefined;
      return user && user.isActive !== false ? user : null;
    },

    async issueTokens(db, user) {
      return pairFor(db, user, undefined);
    },

    async refresh(db, refreshToken) {
      const claims = await tokens.verify(refreshToken, { type: 'refresh' });
      const hash = hashToken(refreshToken);
      const now = new Date();
      return loose(db)
        .transaction(async (tx) => {
          const row = (await loose(tx).query(refreshTokenModel).where({ hash }).first()) as
            | RefreshRow
            | undefined;
          if (!row || row.revokedAt) throw new TokenRejectedError('revoked');
          // Claim the token atomically: of two concurrent refreshes only one gets it.
          // One plain UPDATE (no subquery), so PostgreSQL re-checks `used_at IS NULL` after
          // waiting for a concurrent claim's row lock.
          const claim = await tx.kysely
            .updateTable(refreshTokenModel.meta.table)
            .set({ used_at: now.toISOString() })
            .where('id', '=', row.id)
            .where('used_at', 'is', null)
            .where('revoked_at', 'is', null)
            .executeTakeFirst();
          const claimed = Number(claim.numUpdatedRows);
          // Not claimed: it was used before. The catch below revokes the family once this rolls back.
          if (claimed !== 1) throw new TokenRejectedError('reused');
          const user = await service.activeUser(tx, row.userId);
          if (!user || String(user.id) !== claims.sub) throw new TokenRejectedError('inactive-user');
          return pairFor(tx, user, row.family);
        })
        .catch(async (error: unknown) => {
          // A detected reuse must stay revoked even though the transaction above rolled back.
          if (error instanceof TokenRejectedError && error.reason === 'reused') {
            const row = (await loose(db).query(refreshTokenModel).where({ hash }).first()) as
              | RefreshRow
              | undefined;
            if (row)
              await loose(db).updateMany(
                refreshTokenModel,
                { family: row.family, revokedAt: null },
                { revokedAt: now },
              );
          }
          throw error;
        });
    },

    async revokeRefreshToken(db, refreshToken, userId) {
      const row = (await loose(db)
        .query(refreshTokenModel)
        .where({ hash: hashToken(refreshToken) })
        .first()) as RefreshRow | undefined;
      if (!row || (userId !== undefined && String(row.userId) !== String(userId))) return false;
      await loose(db).updateMany(
        refreshTokenModel,
        { family: row.family, revokedAt: null },
        { revokedAt: new Date() },
      );
      return true;
    },

    async revokeAllTokens(db, userId) {
      const revoked = await loose(db).updateMany(
        refreshTokenModel,
        { userId, revokedAt: null },
        { revokedAt: new Date() },
      );
      for (const hook of revokeHooks) await hook(db, userId);
      return revoked;
    },

    onRevokeAll(hook) {
      revokeHooks.push(hook);
    },

    async permissionsOf(db, user) {
      if (user.isActive === false) return new Set();
      if (user.isSuperuser === true) return ALL_PERMISSIONS;
      const { direct, groups, groupPermissions } = permissionTables();
      const codenames = new Set<string>();
      const k = db.kysely;
      const perm = Permission.meta.table;
      if (direct) {
        const rows = await sql<{
          codename: string;
        }>`select p.codename from ${sql.table(perm)} p join ${sql.table(direct.table)} j on j.${sql.ref(direct.targetColumn)} = p.id where j.${sql.ref(direct.sourceColumn)} = ${user.id}`.execute(
          k,
        );
        for (const r of rows.rows) codenames.add(r.codename);
      }
      if (groups && groupPermissions) {
        const rows = await sql<{
          codename: string;
        }>`select p.codename from ${sql.table(perm)} p join ${sql.table(groupPermissions.table)} gp on gp.${sql.ref(groupPermissions.targetColumn)} = p.id join ${sql.table(groups.table)} ug on ug.${sql.ref(groups.targetColumn)} = gp.${sql.ref(groupPermissions.sourceColumn)} where ug.${sql.ref(groups.sourceColumn)} = ${user.id}`.execute(
          k,
        );
        for (const r of rows.rows) codenames.add(r.codename);
      }
      return codenames;
    },

    async syncPermissions(db, models) {
      const wanted = models.flatMap((m) => modelPermissions(m));
      const existing = new Set(
        ((await loose(db).query(Permission).where({}).all()) as { codename: string }[]).map(
          (p) => p.codename,
        ),
      );
      let created = 0;
      for (const p of wanted) {
        if (existing.has(p.codename)) continue;
        await loose(db).upsert(Permission, p, { conflict: ['codename'] });
        created += 1;
      }
      return created;
    },

    async grantPermissions(db, to, codenames) {
      const ids: number[] = [];
      for (const codename of codenames) {
        let row = (await loose(db).query(Permission).where({ codename }).first()) as
          | { id: number }
          | undefined;
        row ??= (await loose(db).upsert(
          Permission,
          { codename, name: codename },
          { conflict: ['codename'] },
        )) as {
          id: number;
        };
        ids.push(row.id);
      }
      const through =
        'user' in to ? userModel.meta.fields.permissions?.relation?.through : groupModelPermissionsThrough();
      if (!through)
        throw new ValidationError([
          { pointer: '/permissions', detail: 'The user model has no permissions field' },
        ]);
      const owner = 'user' in to ? to.user : to.group;
      for (const id of ids) {
        await sql`insert into ${sql.table(through.table)} (${sql.ref(through.sourceColumn)}, ${sql.ref(through.targetColumn)}) values (${owner}, ${id}) on conflict do nothing`.execute(
          db.kysely,
        );
      }
    },
  };

  async function pairFor(db: Executor, user: AuthUser, family: string | undefined): Promise<TokenPair> {
    const subject = String(user.id);
    // In stateless mode the access token carries what `ctx.user` is built from.
    const access = await tokens.issueAccess(
      subject,
      parts.statelessTokens
        ? {
            usr: {
              [usernameField]: user[usernameField],
              isStaff: user.isStaff === true,
              isSuperuser: user.isSuperuser === true,
            },
          }
        : {},
    );
    const refresh = await tokens.issueRefresh(subject, family);
    await loose(db).create(refreshTokenModel, {
      hash: refresh.hash,
      family: refresh.family,
      userId: user.id,
      expiresAt: refresh.expiresAt,
    });
    return {
      access,
      refresh: refresh.token,
      tokenType: 'Bearer',
      expiresIn: parts.accessTtlSeconds,
      refreshExpiresIn: parts.refreshTtlSeconds,
    };
  }

  return service;
}

/** A superuser's permission set: holds every codename. */
const ALL_PERMISSIONS: ReadonlySet<string> = new (class extends Set<string> {
  override has(): boolean {
    return true;
  }
})();

function groupModelPermissionsThrough() {
  return Group.meta.fields.permissions?.relation?.through ?? undefined;
}
