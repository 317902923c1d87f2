import { AuthenticationError, ValidationError } from '../core/index.js';
import {
  type AnyEndpoint,
  consumeRateLimit,
  type EndpointRateLimit,
  get,
  post,
  type RateLimitRule,
  type RateLimitStore,
  rateLimitError,
  respond,
  t,
} from '../http/index.js';
import { TokenRejectedError } from './jwt/index.js';
import type { AuthService, AuthUser } from './service.js';
import type { SessionAuth } from './sessions/index.js';

/** The token pair `POST /auth/token` and `/auth/token/refresh` return. */
export const TokenPairSchema = t.Object(
  {
    // A token past Node's 16 KiB header limit could never be sent back as a header.
    access: t.String({
      maxLength: 16_384,
      description: 'The access token (JWT), sent as `Authorization: Bearer ...`',
    }),
    refresh: t.String({
      maxLength: 16_384,
      description: 'The refresh token; exchange it once at /auth/token/refresh',
    }),
    tokenType: t.Literal('Bearer'),
    expiresIn: t.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Seconds until the access token expires',
    }),
    refreshExpiresIn: t.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Seconds until the refresh token expires',
    }),
  },
  { $id: 'TokenPair' },
);

const PASSWORD = t.String({ minLength: 1, maxLength: 4096 });
const INVALID_CREDENTIALS = 'No active account with these credentials';
/**
 * The most codenames `GET /auth/me` lists (declared as its `maxItems`): far above the four a
 * model brings, so an app never meets it; past it the answer says so rather than cutting the list.
 */
const ME_PERMISSIONS_MAX = 10_000;

interface RouteOptions {
  prefix: string;
  service: AuthService;
  usernameField: string;
  resetUrl: ((uid: string, token: string) => string) | undefined;
  sessions: SessionAuth;
  rateLimits: AuthRateLimits;
  rateLimitStore: () => Promise<RateLimitStore>;
}

/** Limits on the sign-in, refresh and password-reset endpoints; `false` turns one off. */
export interface AuthRateLimits {
  /** Requests per client IP on each endpoint. Default 30 a minute. */
  ip: RateLimitRule | false;
  /** Attempts per account (the email, or the token's user) across those endpoints. Default 10 in 15 minutes. */
  account: RateLimitRule | false;
}

/** The default {@link AuthRateLimits}. */
export const DEFAULT_AUTH_RATE_LIMITS: AuthRateLimits = {
  ip: { max: 30, window: '1m' },
  account: { max: 10, window: '15m' },
};

/**
 * Counts an attempt on an account (`bucket` separates sign-in from password reset); past the
 * limit, a 429. A store failure lets the attempt through, as the endpoint option does.
 */
export function accountLimiter(
  limits: AuthRateLimits,
  store: () => Promise<RateLimitStore>,
): (bucket: string, account: string) => Promise<void> {
  return async (bucket, account) => {
    if (!limits.account) return;
    let result: Awaited<ReturnType<typeof consumeRateLimit>>;
    try {
      result = await consumeRateLimit(await store(), `auth:${bucket}:${account}`, limits.account);
    } catch {
      return;
    }
    if (!result.allowed) throw rateLimitError(result, 'Too many attempts for this account; try again later');
  };
}

/** The auth endpoints, bound to one app's service. */
export function authRoutes(options: RouteOptions): AnyEndpoint[] {
  const { prefix, service, usernameField } = options;
  const tags = ['auth'];
  const ipLimit: { rateLimit?: EndpointRateLimit } = options.rateLimits.ip
    ? { rateLimit: { ...options.rateLimits.ip, key: 'ip' } }
    : {};
  const limitAccount = accountLimiter(options.rateLimits, options.rateLimitStore);
  const readSchema = service.userModel.schemas.read;
  const MeSchema = t.Object(
    {
      ...readSchema.properties,
      // Codenames are at most 100 characters (auth_permission); `*` stands for all of a superuser's.
      permissions: t.Array(t.String({ maxLength: 100 }), {
        description: "Every permission codename the user holds ('*' for a superuser: all of them)",
        maxItems: ME_PERMISSIONS_MAX,
      }),
    },
    { $id: 'Me' },
  );
  const toMe = async (user: AuthUser, permissions: ReadonlySet<string>, all: boolean) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(readSchema.properties)) out[key] = user[key];
    out.permissions = all ? ['*'] : [...permissions].sort();
    if ((out.permissions as string[]).length > ME_PERMISSIONS_MAX)
      throw new Error(
        `The user holds more than ${ME_PERMISSIONS_MAX} permissions, which GET /auth/me declares as its bound`,
      );
    return out;
  };

  const routes: AnyEndpoint[] = [
    post(
      `${prefix}/token`,
      {
        tags,
        summary: 'Sign in: credentials for an access and a refresh token',
        description:
          'Send the access token as `Authorization: Bearer <access>`; when it expires (`expiresIn` seconds), exchange the refresh token at POST /auth/token/refresh. Wrong credentials and inactive accounts get the same 401; guesses are limited per client and per account (429).',
        auth: 'none',
        // Wrong credentials, or a refresh token that is not (or no longer) valid.
        problems: [401],
        body: t.Object({ [usernameField]: t.String({ minLength: 1, maxLength: 254 }), password: PASSWORD }),
        response: { 200: TokenPairSchema },
        ...ipLimit,
      },
      async ({ body, db }) => {
        const input = body as Record<string, string>;
        await limitAccount('login', service.normalizeUsername(input[usernameField]!));
        const user = await service.authenticate(db, input[usernameField]!, input.password!);
        if (!user) throw new AuthenticationError(INVALID_CREDENTIALS);
        return service.issueTokens(db, user);
      },
    ),
    post(
      `${prefix}/token/refresh`,
      {
        tags,
        summary: 'Exchange a refresh token for a new pair (the old one stops working)',
        auth: 'none',
        // Wrong credentials, or a refresh token that is not (or no longer) valid.
        problems: [401],
        description:
          'Rotation with reuse detection: a refresh token presented a second time revokes every token of its sign-in.',
        body: t.Object({ refresh: t.String({ minLength: 1, maxLength: 4096 }) }),
        response: { 200: TokenPairSchema },
        ...ipLimit,
      },
      async ({ body, db }) => {
        const claims = await service.tokens.verify(body.refresh, { type: 'refresh' });
        await limitAccount('refresh', claims.sub);
        return service.refresh(db, body.refresh);
      },
    ),
    post(
      `${prefix}/logout`,
      {
        tags,
        summary: 'Sign out: revoke a refresh token, or every one of the user with `everywhere`',
        description:
          'Revokes the refresh token sent (its access token expires on its own), or with `everywhere` every refresh token of the signed-in user. A browser signed in with the session cookie is signed out of it too.',
        auth: 'optional',
        body: t.Object({
          refresh: t.Optional(t.String({ minLength: 1, maxLength: 4096 })),
          everywhere: t.Optional(
            t.Boolean({ description: 'Revoke every refresh token of the signed-in user' }),
          ),
        }),
        response: { 204: t.Null() },
      },
      async ({ body, db, user, auth, session }) => {
        if (auth.method === 'session') await session.logout();
        if (body.everywhere) {
          if (!user) throw new AuthenticationError('Sign in to sign out everywhere');
          await service.revokeAllTokens(db, user.id);
        } else if (body.refresh !== undefined) {
          // Only the owner (or the holder of the token, when anonymous) may revoke it.
          await service.revokeRefreshToken(db, body.refresh, user?.id);
        } else if (!user && auth.method !== 'session') {
          throw new ValidationError([
            { pointer: '/body/refresh', detail: 'Send the refresh token to revoke' },
          ]);
        }
        return respond(204, null);
      },
    ),
    get(
      `${prefix}/me`,
      {
        tags,
        summary: 'The signed-in user and their permissions',
        description:
          "The user's readable fields and the codenames of every permission they hold, directly or through their groups ('*' for a superuser).",
        auth: 'required',
        response: MeSchema,
      },
      async ({ user, auth, db }) => {
        // The full row (a stateless token's user carries only its claims).
        const current = await service.activeUser(db, (user as unknown as AuthUser).id);
        if (!current) throw new TokenRejectedError('inactive-user');
        return (await toMe(current, await auth.permissions(), current.isSuperuser === true)) as never;
      },
    ),
    post(
      `${prefix}/password/change`,
      {
        tags,
        summary: 'Change the password (signs out every other session and refresh token)',
        description:
          'Needs the current password (400 naming /body/oldPassword when wrong); the new one must pass the password validators (400 naming /body/newPassword).',
        auth: 'required',
        body: t.Object({ oldPassword: PASSWORD, newPassword: PASSWORD }),
        response: { 204: t.Null() },
      },
      async ({ body, db, user, auth, session }) => {
        // The full row (a stateless token's user carries only its claims).
        const current = await service.activeUser(db, (user as unknown as AuthUser).id);
        if (!current) throw new TokenRejectedError('inactive-user');
        const { valid } = await service.passwords.checkPassword(body.oldPassword, current.password);
        if (!valid)
          throw new ValidationError([
            { pointer: '/body/oldPassword', detail: 'The current password is wrong' },
          ]);
        service.validatePassword(body.newPassword, current, '/body/newPassword');
        await db.transaction(async (tx) => {
          await service.setPassword(tx, current, body.newPassword, { validate: false });
          await service.revokeAllTokens(tx, current.id);
        });
        // Every other session ended; this browser stays signed in, on a new session id (as Django).
        if (auth.method === 'session') await session.login(current);
        return respond(204, null);
      },
    ),
    post(
      `${prefix}/password/reset`,
      {
        tags,
        summary: 'Send a password-reset link (answers 202 whether or not the account exists)',
        description:
          'Mails a single-use link to an active account with a password. The answer is the same for any address, so it tells nothing about which accounts exist; requests are limited per client and per address (429).',
        auth: 'none',
        body: t.Object({ email: t.String({ minLength: 3, maxLength: 254 }) }),
        response: { 202: t.Null() },
        ...ipLimit,
      },
      async ({ body, db }) => {
        await limitAccount('reset', service.normalizeUsername(body.email));
        const user = (await (db as unknown as LooseQuery)
          .query(service.userModel)
          .where({ [usernameField]: service.normalizeUsername(body.email) })
          .first()) as AuthUser | undefined;
        if (user && user.isActive !== false && user.password && typeof user.email === 'string') {
          const token = service.passwordResetTokens.make(user as AuthUser & { email: string });
          const uid = String(user.id);
          const link = options.resetUrl
            ? options.resetUrl(uid, token)
            : `POST ${prefix}/password/reset/confirm with uid=${uid} and token=${token}`;
          await service.mail.send({
            to: user.email,
            subject: 'Reset your password',
            text: `Someone asked to reset the password of this account. If it was you:\n\n${link}\n\nOtherwise ignore this message.`,
          });
        }
        return respond(202, null);
      },
    ),
    post(
      `${prefix}/password/reset/confirm`,
      {
        tags,
        summary: 'Set a new password with the uid and token of a reset link (single use)',
        description:
          'A reset link works once, and not after it expires; the new password must pass the password validators (400 naming /body/newPassword). Every refresh token of the account is revoked.',
        auth: 'none',
        body: t.Object({
          uid: t.String({ minLength: 1, maxLength: 64 }),
          token: t.String({ minLength: 1, maxLength: 100 }),
          newPassword: PASSWORD,
        }),
        response: { 204: t.Null() },
        ...ipLimit,
      },
      async ({ body, db }) => {
        await limitAccount('reset-confirm', body.uid);
        const user = await service.activeUser(db, body.uid);
        if (!user || !service.passwordResetTokens.check(user as AuthUser & { email: string }, body.token))
          throw new ValidationError([
            { pointer: '/body/token', detail: 'The reset link is invalid or has expired; ask for a new one' },
          ]);
        service.validatePassword(body.newPassword, user, '/body/newPassword');
        await db.transaction(async (tx) => {
          await service.setPassword(tx, user, body.newPassword, { validate: false });
          await service.revokeAllTokens(tx, user.id);
        });
        return respond(204, null);
      },
    ),
  ];

  if (service.tokens.jwks()) {
    // The signing key and the ones kept for rotation: a handful, far below the declared bound.
    const JwksSchema = t.Object({ keys: t.Array(t.Record(t.String(), t.Unknown()), { maxItems: 100 }) });
    const jwks = () => service.tokens.jwks() as never;
    routes.push(
      get(
        `${prefix}/jwks.json`,
        { tags, summary: 'Public keys that verify access tokens', response: JwksSchema },
        jwks,
      ),
      get('/.well-known/jwks.json', { tags, hidden: true, response: JwksSchema }, jwks),
    );
  }
  return routes;
}

interface LooseQuery {
  query(model: unknown): { where(where: Record<string, unknown>): { first(): Promise<unknown> } };
}
