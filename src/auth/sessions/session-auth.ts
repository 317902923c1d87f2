import { createHash } from 'node:crypto';
import type { Logger } from '../../core/index.js';
import type { AnyModel, Executor } from '../../db/index.js';
import type { AnyEndpoint, RequestContext, SecurityScheme } from '../../http/index.js';
import type { AuthService, AuthUser } from '../service.js';
import type { SessionBackend } from './backends/backend.js';
import { databaseSessionBackend } from './backends/database.js';
import { redisSessionBackend } from './backends/redis.js';
import { sessionSettings } from './config.js';
import { OriginPolicy } from './csrf.js';
import type { SessionLoginLimits } from './routes.js';
import { loginPath, sessionRoutes } from './routes.js';
import { type AuthenticatedContext, SessionManager } from './session-manager.js';
import { SessionSigner } from './signing.js';

/** Browser sessions as the auth module uses them (internal contract). */
export interface SessionAuth {
  /** The cookie scheme for OpenAPI. */
  readonly scheme: SecurityScheme | undefined;
  /** Routes the sessions add (login, logout, CSRF token). */
  readonly routes: readonly AnyEndpoint[];
  /**
   * Authenticates a request without an Authorization header from its session cookie, and
   * enforces CSRF on unsafe methods. Synchronous (undefined) when there is no cookie.
   */
  provide(ctx: RequestContext, authenticated: AuthenticatedContext): void | Promise<void>;
  /** Installs `ctx.session` (with no session) on a request that authenticates with a bearer token. */
  provideDetached(ctx: RequestContext): void;
  /**
   * Keeps a single-use value in the session store (database or Redis) for `seconds`, under a
   * key derived from `id` and `purpose`; {@link SessionAuth.takeOnce} reads and deletes it atomically.
   */
  keepOnce(
    db: Executor,
    purpose: string,
    id: string,
    data: Record<string, unknown>,
    seconds: number,
  ): Promise<void>;
  /** The value kept under `purpose` and `id`, removed in the same step; undefined when used, expired or unknown. */
  takeOnce(db: Executor, purpose: string, id: string): Promise<Record<string, unknown> | undefined>;
  /** Ends every session of a user (password change, logout everywhere). */
  endAllFor(db: Executor, userId: AuthUser['id']): Promise<void>;
  close(): Promise<void>;
}

/** What {@link createSessionAuth} is built from. */
export interface SessionAuthOptions {
  service: AuthService;
  sessionModel: AnyModel;
  /** The app's config: SECRET_KEY, NODE_ENV, REDIS_URL and the {@link SessionConfig} settings. */
  config: Readonly<Record<string, unknown>>;
  log: Logger;
  prefix: string;
  /** Sign-in limits, as the token endpoint has them (per IP on the endpoint, per account inside). */
  limits?: SessionLoginLimits;
}

/**
 * Browser sessions: a signed cookie naming a server-side session (database, or Redis when
 * REDIS_URL is set), CSRF protection of unsafe methods, and the session endpoints.
 */
export async function createSessionAuth(options: SessionAuthOptions): Promise<SessionAuth> {
  const settings = sessionSettings(options.config);
  const origins = new OriginPolicy(settings.trustedOrigins);
  const backend: SessionBackend = settings.redisUrl
    ? await redisSessionBackend(
        settings.redisUrl,
        options.log,
        typeof options.config.SERVICE_TIMEOUT === 'number'
          ? options.config.SERVICE_TIMEOUT * 1000
          : undefined,
      )
    : databaseSessionBackend(options.sessionModel);
  options.log.debug({ store: settings.redisUrl ? 'redis' : 'database' }, 'sessions ready');
  const manager = new SessionManager({
    backend,
    signer: new SessionSigner(settings.secret),
    origins,
    settings,
    service: options.service,
    tokenExempt: new Set([`POST ${loginPath(options.prefix)}`]),
  });
  return {
    scheme: {
      name: 'cookieAuth',
      definition: {
        type: 'apiKey',
        in: 'cookie',
        name: settings.cookieName,
        description:
          "The session cookie POST /auth/session/login sets (HttpOnly, SameSite=Lax, Secure in production; a new id at every sign-in). An unsafe request sending it also sends the session's CSRF token in X-CSRF-Token (GET /auth/csrf).",
      },
    },
    routes: sessionRoutes({
      prefix: options.prefix,
      service: options.service,
      origins,
      ...(options.limits ? { limits: options.limits } : {}),
    }),
    provide: (ctx, authenticated) => manager.provide(ctx, authenticated),
    provideDetached: (ctx) => manager.provideDetached(ctx),
    keepOnce: (db, purpose, id, data, seconds) => manager.keepOnce(db, onceKey(purpose, id), data, seconds),
    takeOnce: (db, purpose, id) => manager.takeOnce(db, onceKey(purpose, id)),
    endAllFor: (db, userId) => manager.endAllFor(db, userId),
    close: () => manager.close(),
  };
}

/** The store key of a single-use value: never the hash of a session id, whose key is SHA-256(id). */
function onceKey(purpose: string, id: string): string {
  return createHash('sha256').update(`${purpose}\u0000${id}`).digest('hex');
}
