import type { AppCheck, BasaltApp, ModuleDefinition, ModuleSetupApi } from '../app/index.js';
import { defineConfig, type Logger } from '../core/index.js';
import type { AnyModel, Database, Executor } from '../db/index.js';
import type { AnyEndpoint, Authentication, RequestContext, SecurityScheme } from '../http/index.js';
import { t } from '../http/index.js';
import type { MailBackend } from '../mail/index.js';
import { authCommands } from './commands.js';
import {
  type AccessTokenClaims,
  createTokenService,
  JWT_ALGORITHMS,
  TokenRejectedError,
} from './jwt/index.js';
import { Group, Permission, tokenModels, User } from './models.js';
import { type AuthOidcOptions, oidcRoutes } from './oidc-routes.js';
import {
  createPasswordHasher,
  createPasswordTokens,
  type PasswordHasherOptions,
  type PasswordValidator,
} from './passwords/index.js';
import { type AuthRateLimits, accountLimiter, authRoutes, DEFAULT_AUTH_RATE_LIMITS } from './routes.js';
import { type AuthService, type AuthUser, createAuthService } from './service.js';
import {
  createSessionAuth,
  OriginPolicy,
  SessionConfig,
  type SessionLoginLimits,
  sessionSettings,
} from './sessions/index.js';
import type { UserKey } from './user-key.js';

/** How a request proved who it is. */
export type AuthMethod = 'bearer' | 'session';

/** What `ctx.auth` offers a handler. */
export interface AuthContext {
  /** How the request authenticated, or null when anonymous. */
  readonly method: AuthMethod | null;
  /** The verified access-token claims of a bearer request. */
  readonly claims: AccessTokenClaims | null;
  /** The app's auth service (users, tokens, permissions). */
  readonly service: AuthService;
  /** True when the user holds the permission (always for an active superuser). */
  hasPermission(codename: string): Promise<boolean>;
  /** Every codename the user holds, loaded once per request. */
  permissions(): Promise<ReadonlySet<string>>;
}

declare module '../http/context.js' {
  interface RequestContextExtensions {
    /** Authentication state of the request (present when the app uses `auth()`). */
    auth: AuthContext;
  }
  interface BasaltUserTypes {
    /** The key type of the app's user model (see `AuthRegister`). */
    id: UserKey;
  }
  interface BasaltUser {
    email?: string;
    isActive?: boolean;
    isStaff?: boolean;
    isSuperuser?: boolean;
  }
}

/** The settings `auth()` reads from the environment. */
export const AuthConfig = defineConfig({
  ...SessionConfig.properties,
  JWT_ALGORITHM: t.Union(
    JWT_ALGORITHMS.map((a) => t.Literal(a)),
    { default: 'HS256', description: 'HS256 (key derived from SECRET_KEY), EdDSA or RS256 (key files)' },
  ),
  JWT_PRIVATE_KEY: t.Optional(
    t.String({ description: 'PEM or path of the private key (EdDSA/RS256); enables /auth/jwks.json' }),
  ),
  JWT_PUBLIC_KEY: t.Optional(
    t.String({ description: 'PEM or path of the public key (derived when omitted)' }),
  ),
  JWT_ISSUER: t.String({ default: 'basalt', description: 'The iss claim of issued tokens' }),
  JWT_AUDIENCE: t.String({ default: 'basalt-api', description: 'The aud claim of issued tokens' }),
  ACCESS_TOKEN_LIFETIME: t.Integer({
    minimum: 1,
    default: 300,
    description: 'Access token lifetime, seconds',
  }),
  REFRESH_TOKEN_LIFETIME: t.Integer({
    minimum: 1,
    default: 1_209_600,
    description: 'Refresh token lifetime, seconds (14 days)',
  }),
  PASSWORD_RESET_TIMEOUT: t.Integer({
    minimum: 60,
    default: 259_200,
    description: 'Password reset link lifetime, seconds (3 days)',
  }),
});

/** Options of {@link auth}. */
export interface AuthOptions {
  /** The user model (Django's AUTH_USER_MODEL); default the built-in `User`. */
  userModel?: AnyModel;
  /** The field users log in with; default `email`. */
  usernameField?: string;
  /** argon2id parameters and accepted legacy hashers. */
  passwords?: PasswordHasherOptions;
  /** Password validators; default length ≥ 8, common passwords, similarity, all-numeric. */
  validators?: readonly PasswordValidator[];
  /** Where mail (password reset) goes; default the app's mail (MAIL_URL). */
  mail?: MailBackend | ((log: Logger) => MailBackend);
  /** Route prefix; default `/auth`. `false` mounts no routes. */
  prefix?: string | false;
  /**
   * Limits on sign-in, refresh and password reset, per client IP and per account; default
   * 30 a minute per IP and 10 in 15 minutes per account.
   */
  rateLimits?: Partial<AuthRateLimits>;
  /**
   * "Sign in with ...": identity providers (`defineOidcProvider`, `githubProvider`,
   * `googleProvider`) and how a login ends (`session`, the default, or `jwt`).
   */
  oidc?: AuthOidcOptions;
  /**
   * Where `ctx.user` of a bearer request comes from. `database` (the default) loads the user
   * on every request, so a deactivated or deleted user is refused at once. `token` builds it
   * from the access token's claims (id, login name, isStaff, isSuperuser) with no query: a
   * deactivation then takes effect when the access token expires (ACCESS_TOKEN_LIFETIME),
   * and at the next refresh, which always checks the database (simplejwt's stateless mode).
   */
  bearerUser?: 'database' | 'token';
  /** The link a password-reset mail carries; default a text with `uid` and `token`. */
  passwordResetUrl?: (uid: string, token: string) => string;
}

const services = new WeakMap<object, AuthService>();

/** What a sign-in form of another capability (the admin's) needs to act as the session login. */
export interface SessionLogin {
  /** The login's limits: per IP (an endpoint `rateLimit`) and per account (the same buckets). */
  readonly limits: SessionLoginLimits;
  /** The Origin/Referer check that stops login CSRF (no session, hence no token, yet). */
  checkOrigin(request: RequestContext['request']): void;
}
const sessionLogins = new WeakMap<object, SessionLogin>();

/** The session login's limits and origin check of a created app (internal: the admin's login form). */
export function sessionLoginOf(app: Pick<BasaltApp, 'config'>): SessionLogin {
  const login = sessionLogins.get(app.config);
  if (!login) throw new TypeError('This app does not use auth() from basalt/auth');
  return login;
}

/** The auth service of a created app (for commands, seeds and tests). */
export function getAuth(app: Pick<BasaltApp, 'config'>): AuthService {
  const service = services.get(app.config);
  if (!service) throw new TypeError('This app does not use auth() from basalt/auth');
  return service;
}

/** The bearer-token scheme documented in OpenAPI. */
export const bearerScheme: SecurityScheme = {
  name: 'bearerAuth',
  definition: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'An access token from POST /auth/token, issued and checked per RFC8725 (JWT best practices): one ' +
      'algorithm accepted (JWT_ALGORITHM), iss, aud and exp required, explicit typ, refresh tokens refused.',
  },
};

const REQUIRED_USER_FIELDS = ['password', 'isActive'] as const;

function userModelCheck(userModel: AnyModel, usernameField: string): AppCheck {
  return {
    name: 'auth.user-model',
    run() {
      const fields = userModel.meta.fields;
      const missing = [...REQUIRED_USER_FIELDS, usernameField].filter((name) => !(name in fields));
      if (missing.length === 0) return [];
      return [
        {
          id: 'auth.E001',
          level: 'error',
          message: `The user model '${userModel.name}' lacks ${missing.join(', ')}`,
          hint: 'Spread userFields into it, or use defineUserModel({ ...your fields })',
        },
      ];
    },
  };
}

/**
 * The auth capability: users, groups and permissions, password hashing, JWT endpoints
 * (`/auth/token`, `/auth/token/refresh`, `/auth/logout`, `/auth/me`), password change and
 * reset, and `auth`/`permissions` on endpoints.
 *
 * @example
 * export default defineApp({ name: 'bookshop', modules: [auth()], routes, models });
 */
export function auth(options: AuthOptions = {}): ModuleDefinition {
  // biome-ignore lint/suspicious/noExplicitAny: the user model is chosen at run time
  const userModel: AnyModel = (options.userModel ?? User) as any;
  const usernameField = options.usernameField ?? 'email';
  const { RefreshToken, Session, OidcIdentity } = tokenModels(userModel);
  return {
    name: 'auth',
    config: AuthConfig,
    models: [Permission, Group, userModel, RefreshToken, Session, OidcIdentity],
    checks: [userModelCheck(userModel, usernameField)],
    commands: authCommands,
    async setup(api: ModuleSetupApi) {
      const config = api.config as Record<string, unknown> & {
        SECRET_KEY: string;
        JWT_ALGORITHM: (typeof JWT_ALGORITHMS)[number];
        JWT_PRIVATE_KEY?: string;
        JWT_PUBLIC_KEY?: string;
        JWT_ISSUER: string;
        JWT_AUDIENCE: string;
        ACCESS_TOKEN_LIFETIME: number;
        REFRESH_TOKEN_LIFETIME: number;
        PASSWORD_RESET_TIMEOUT: number;
      };
      const tokens = await createTokenService({
        algorithm: config.JWT_ALGORITHM,
        secret: config.SECRET_KEY,
        ...(config.JWT_PRIVATE_KEY ? { privateKey: config.JWT_PRIVATE_KEY } : {}),
        ...(config.JWT_PUBLIC_KEY ? { publicKey: config.JWT_PUBLIC_KEY } : {}),
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        accessTtlSeconds: config.ACCESS_TOKEN_LIFETIME,
        refreshTtlSeconds: config.REFRESH_TOKEN_LIFETIME,
      });
      const stateless = options.bearerUser === 'token';
      const integerKeys = userModel.meta.primaryKey.type === 'integer';
      const mail =
        typeof options.mail === 'function'
          ? options.mail(api.log)
          : (options.mail ?? { send: (message) => api.mail.send(message) });
      const service = createAuthService({
        userModel,
        usernameField,
        passwords: createPasswordHasher(options.passwords),
        validators: options.validators,
        tokens,
        passwordResetTokens: createPasswordTokens({
          secret: config.SECRET_KEY,
          maxAgeSeconds: config.PASSWORD_RESET_TIMEOUT,
        }),
        mail,
        accessTtlSeconds: config.ACCESS_TOKEN_LIFETIME,
        refreshTtlSeconds: config.REFRESH_TOKEN_LIFETIME,
        refreshTokenModel: RefreshToken,
        statelessTokens: stateless,
      });
      services.set(api.config, service);

      const anonymous: AuthContext = {
        method: null,
        claims: null,
        service,
        hasPermission: async () => false,
        permissions: async () => new Set<string>(),
      };
      const authenticated = (
        db: Executor,
        user: AuthUser,
        method: AuthMethod,
        claims: AccessTokenClaims | null,
      ): AuthContext => new UserAuthContext(service, db, user, method, claims);

      const prefix = options.prefix === false ? '/auth' : (options.prefix ?? '/auth');
      const rateLimits = { ...DEFAULT_AUTH_RATE_LIMITS, ...options.rateLimits };
      const loginLimits: SessionLoginLimits = {
        ip: rateLimits.ip ? { ...rateLimits.ip, key: 'ip' } : undefined,
        account: accountLimiter(rateLimits, api.rateLimitStore),
      };
      const sessions = await createSessionAuth({
        service,
        sessionModel: Session,
        config,
        log: api.log,
        prefix,
        limits: loginLimits,
      });
      const origins = new OriginPolicy(sessionSettings(config).trustedOrigins);
      sessionLogins.set(api.config, {
        limits: loginLimits,
        checkOrigin: (request) => origins.check(request),
      });
      const onSession = (ctx: RequestContext, user: AuthUser) => {
        ctx.user = user as RequestContext['user'];
        ctx.auth = authenticated(ctx.db, user, 'session', null);
      };
      service.onRevokeAll((db, userId) => sessions.endAllFor(db, userId));
      api.onStop(() => sessions.close());

      api.provideContext((ctx: RequestContext) => {
        const header = ctx.request.headers.authorization;
        if (header === undefined) {
          ctx.auth = anonymous;
          // Without a bearer token, a session cookie may authenticate (and is CSRF-checked).
          return sessions.provide(ctx, onSession);
        }
        // A bearer request has a `ctx.session` too, detached from any cookie (never CSRF-checked).
        sessions.provideDetached(ctx);
        const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
        if (!match)
          throw new TokenRejectedError('malformed', 'The Authorization header must be "Bearer <token>"');
        const token = match[1]!;
        const known = tokens.verifyCached(token);
        if (known && stateless) {
          // A token seen before, in stateless mode: no await at all on the hot path.
          const user = userFromClaims(known, integerKeys, usernameField);
          if (!user) throw new TokenRejectedError('inactive-user');
          ctx.user = user as RequestContext['user'];
          ctx.auth = authenticated(ctx.db, user, 'bearer', known);
          return undefined;
        }
        return (async () => {
          const claims = known ?? (await tokens.verify(token, { type: 'access' }));
          const user = stateless
            ? userFromClaims(claims, integerKeys, usernameField)
            : await service.activeUser(ctx.db, claims.sub);
          if (!user) throw new TokenRejectedError('inactive-user');
          ctx.user = user as RequestContext['user'];
          ctx.auth = authenticated(ctx.db, user, 'bearer', claims);
        })();
      });

      const authentication: Authentication = {
        schemes: sessions.scheme ? [bearerScheme, sessions.scheme] : [bearerScheme],
        challenge: 'Bearer realm="api"',
        hasPermission: (ctx, codename) => ctx.auth.hasPermission(codename),
      };
      api.useAuthentication(authentication);

      if (options.prefix !== false) {
        const routes: AnyEndpoint[] = authRoutes({
          prefix,
          service,
          usernameField,
          resetUrl: options.passwordResetUrl,
          sessions,
          rateLimits,
          rateLimitStore: api.rateLimitStore,
        });
        api.addRoutes(...routes, ...sessions.routes);
        if (options.oidc && options.oidc.providers.length > 0)
          api.addRoutes(
            ...oidcRoutes({
              prefix,
              service,
              identityModel: OidcIdentity,
              oidc: options.oidc,
              sessions,
              rateLimit: rateLimits.ip ? { ...rateLimits.ip, key: 'ip' } : undefined,
              secret: config.SECRET_KEY,
              production: config.NODE_ENV === 'production',
            }),
          );
      }

      api.onStart(async (app) => {
        const db = app.db as Database | undefined;
        if (!db) return;
        try {
          const models = app.modules.flatMap((m) => (m.models ?? []) as AnyModel[]);
          const created = await service.syncPermissions(db, [...new Set(models)]);
          if (created > 0) api.log.debug({ created }, 'permissions created');
        } catch (error) {
          api.log.warn(
            { err: error },
            "permissions not synchronised (are migrations applied? run 'basalt migrate')",
          );
        }
      });
    },
  };
}

/**
 * The auth state of a signed-in request. A class rather than an object of closures: it is
 * built on every authenticated request, and methods on a prototype cost nothing per request.
 */
class UserAuthContext implements AuthContext {
  readonly service: AuthService;
  readonly method: AuthMethod;
  readonly claims: AccessTokenClaims | null;
  readonly #db: Executor;
  readonly #user: AuthUser;
  #loaded: Promise<ReadonlySet<string>> | undefined;

  constructor(
    service: AuthService,
    db: Executor,
    user: AuthUser,
    method: AuthMethod,
    claims: AccessTokenClaims | null,
  ) {
    this.service = service;
    this.#db = db;
    this.#user = user;
    this.method = method;
    this.claims = claims;
  }

  permissions(): Promise<ReadonlySet<string>> {
    this.#loaded ??= this.service.permissionsOf(this.#db, this.#user);
    return this.#loaded;
  }

  async hasPermission(codename: string): Promise<boolean> {
    return (await this.permissions()).has(codename);
  }
}

/**
 * The user of a stateless access token: its subject and the `usr` claims issued with it.
 * Built field by field (the claims are ours): spreading the parsed claims object cost
 * microseconds per request (auth bench profile).
 */
function userFromClaims(
  claims: AccessTokenClaims,
  integerKeys: boolean,
  usernameField: string,
): AuthUser | null {
  const id = integerKeys ? Number(claims.sub) : claims.sub;
  if (integerKeys && !Number.isSafeInteger(id)) return null;
  const usr =
    typeof claims.usr === 'object' && claims.usr !== null ? (claims.usr as Record<string, unknown>) : {};
  const user: AuthUser = {
    // The key kind is known at run time only; it is the registered user model's (UserKey).
    id: id as AuthUser['id'],
    password: '',
    isActive: true,
    isStaff: usr.isStaff === true,
    isSuperuser: usr.isSuperuser === true,
  };
  user[usernameField] = usr[usernameField];
  return user;
}
