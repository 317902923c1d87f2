import { type AnyModel, defineModel, type FieldsShape, f, type Model } from '../db/index.js';

/**
 * A permission: a codename (`change_book`) checked by `hasPermission`, granted to users
 * directly or through groups. `view_`, `add_`, `change_` and `delete_` ones exist for every
 * model; custom ones come from a model's `permissions` option.
 */
export const Permission = defineModel(
  'permission',
  {
    codename: f.string({ max: 100, unique: true }),
    name: f.string({ max: 255 }),
    /** The model the permission is about, or null for a global one. */
    model: f.string({ max: 100, optional: true }),
  },
  { table: 'auth_permission', ordering: ['codename'] },
);

/** A named set of permissions users belong to (Django's Group). */
export const Group = defineModel(
  'group',
  {
    name: f.string({ max: 150, unique: true }),
    permissions: f.manyToMany(() => Permission),
  },
  { table: 'auth_group', ordering: ['name'] },
);

/**
 * The fields of the built-in user. Spread them into an app's own user model to extend it
 * (`defineUserModel({ ...fields })` does), or declare a model of your own with at least
 * `email` (or the configured username field), `password` and `isActive`.
 */
export const userFields = {
  email: f.email({ max: 254, unique: true }),
  /** The password hash (argon2id), never the password. Empty: the user cannot log in with one. */
  password: f.string({ max: 255, default: '', writeOnly: true }),
  firstName: f.string({ max: 150, default: '' }),
  lastName: f.string({ max: 150, default: '' }),
  /** Inactive users cannot log in, and their tokens and sessions stop working. */
  isActive: f.boolean({ default: true }),
  /** May use the admin. */
  isStaff: f.boolean({ default: false }),
  /** Holds every permission without being granted them. */
  isSuperuser: f.boolean({ default: false }),
  lastLogin: f.datetime({ optional: true }),
  dateJoined: f.datetime({ default: () => new Date() }),
  groups: f.manyToMany(() => Group),
  permissions: f.manyToMany(() => Permission),
};

/** The built-in user model (`auth_user`). */
export const User = defineModel('user', userFields, { table: 'auth_user', ordering: ['email'] });

/**
 * A user model with the built-in fields plus the app's own, as Django's AbstractUser.
 *
 * @example
 * export const User = defineUserModel({ displayName: f.string({ max: 80, default: '' }) });
 * defineApp({ modules: [auth({ userModel: User })], ... })
 */
export function defineUserModel<const F extends FieldsShape>(fields: F, options: { table?: string } = {}) {
  return defineModel('user', { ...userFields, ...fields } as typeof userFields & F, {
    table: options.table ?? 'auth_user',
    ordering: ['email'],
  });
}

/** The models that store refresh tokens, sessions and linked sign-in identities, tied to the user model. */
export function tokenModels(userModel: AnyModel) {
  const RefreshToken = defineModel(
    'refreshToken',
    {
      /** SHA-256 of the token; the token itself is never stored. */
      hash: f.string({ max: 64, unique: true }),
      /** Every rotation of one login shares a family; reuse revokes the whole family. */
      family: f.string({ max: 64, index: true }),
      user: f.belongsTo(() => userModel as Model, { onDelete: 'cascade' }),
      expiresAt: f.datetime(),
      /** Set when the token was exchanged for a new pair; a second use is a reuse. */
      usedAt: f.datetime({ optional: true }),
      revokedAt: f.datetime({ optional: true }),
    },
    { table: 'auth_refresh_token', timestamps: true },
  );
  const Session = defineModel(
    'session',
    {
      /** SHA-256 of the session id sent in the cookie. */
      key: f.string({ max: 64, unique: true }),
      user: f.belongsTo(() => userModel as Model, { onDelete: 'cascade', optional: true }),
      data: f.json({ default: () => ({}) }),
      expiresAt: f.datetime({ index: true }),
    },
    { table: 'auth_session', timestamps: true },
  );
  const OidcIdentity = defineModel(
    'oidcIdentity',
    {
      /** The provider's name in `auth({ oidc })` (`github`, `google`, ...). */
      provider: f.string({ max: 64 }),
      /** The provider's stable id of the account (`sub`). */
      subject: f.string({ max: 255 }),
      user: f.belongsTo(() => userModel as Model, { onDelete: 'cascade' }),
      /** The verified email the account was linked through. */
      email: f.string({ max: 254, optional: true }),
    },
    { table: 'auth_oidc_identity', unique: [['provider', 'subject']], timestamps: true },
  );
  return { RefreshToken, Session, OidcIdentity };
}
