import { AuthenticationError } from '../../core/index.js';
import { type AnyEndpoint, type EndpointRateLimit, get, post, respond, t } from '../../http/index.js';
import type { AuthService } from '../service.js';
import type { OriginPolicy } from './csrf.js';
import { SessionRequiredError } from './errors.js';

const INVALID_CREDENTIALS = 'No active account with these credentials';
const NO_STORE = { 'cache-control': 'no-store' };

/** The sign-in limits the auth module hands the session login. */
export interface SessionLoginLimits {
  /** The endpoint's per-IP `rateLimit`, when on. */
  ip: EndpointRateLimit | undefined;
  /** Counts an attempt on an account; throws a 429 past the limit. */
  account: (bucket: string, account: string) => Promise<void>;
}

interface SessionRouteOptions {
  prefix: string;
  service: AuthService;
  origins: OriginPolicy;
  limits?: SessionLoginLimits;
}

/** The login path, whose unsafe requests need the Origin check but no CSRF token. */
export function loginPath(prefix: string): string {
  return `${prefix}/session/login`;
}

/** `POST /auth/session/login`, `POST /auth/session/logout` and `GET /auth/csrf`. */
export function sessionRoutes(options: SessionRouteOptions): AnyEndpoint[] {
  const { prefix, service, origins } = options;
  const usernameField = service.usernameField;
  const tags = ['auth'];
  return [
    post(
      loginPath(prefix),
      {
        tags,
        summary: 'Sign in with a session cookie (browsers)',
        auth: 'none',
        // Wrong credentials (401); a cross-origin request from an untrusted origin (403).
        problems: [401, 403],
        description:
          'Sets the session cookie (a new session id every time) and sends the CSRF token of the new session in the X-CSRF-Token header. Cross-origin requests are refused unless the origin is trusted.',
        body: t.Object({
          [usernameField]: t.String({ minLength: 1, maxLength: 254 }),
          password: t.String({ minLength: 1, maxLength: 4096 }),
        }),
        response: { 204: t.Null() },
        ...(options.limits?.ip ? { rateLimit: options.limits.ip } : {}),
      },
      async (ctx) => {
        // No session to bind a token to yet: the Origin check is what stops login CSRF.
        origins.check(ctx.request);
        const input = ctx.body as Record<string, string>;
        // The same account bucket as POST /auth/token: guesses count across both.
        await options.limits?.account('login', service.normalizeUsername(input[usernameField]!));
        const user = await service.authenticate(ctx.db, input[usernameField]!, input.password!);
        if (!user) throw new AuthenticationError(INVALID_CREDENTIALS);
        await ctx.session.login(user);
        return respond(204, null, { ...NO_STORE, 'x-csrf-token': ctx.session.csrfToken()! });
      },
    ),
    post(
      `${prefix}/session/logout`,
      {
        tags,
        summary: 'Sign out of this session (deletes it and its cookie)',
        // The session is the cookie's, when one is sent; without one there is nothing to end.
        auth: 'none',
        description: 'To end every session and refresh token of the user, POST /auth/logout with everywhere.',
        response: { 204: t.Null() },
      },
      async (ctx) => {
        // A bearer request's cookie is never read (nor CSRF-checked): it cannot end that session.
        if (ctx.request.headers.authorization !== undefined)
          throw new SessionRequiredError(
            'This request authenticates with a bearer token, which has no session to end; to revoke tokens, POST /auth/logout with the refresh token. To end a browser session, send its cookie without an Authorization header',
          );
        await ctx.session.logout();
        return respond(204, null);
      },
    ),
    get(
      `${prefix}/csrf`,
      {
        tags,
        summary: 'The CSRF token of the current session (null without one)',
        description:
          'Send it in the X-CSRF-Token header of every POST, PUT, PATCH and DELETE. Null for a bearer request, which needs no CSRF token.',
        // An HMAC-SHA256, base64url: 43 characters.
        response: t.Object({
          csrfToken: t.Union([t.String({ maxLength: 43, pattern: '^[A-Za-z0-9_-]+$' }), t.Null()]),
        }),
      },
      (ctx) => respond(200, { csrfToken: ctx.session.csrfToken() ?? null }, NO_STORE),
    ),
  ];
}
