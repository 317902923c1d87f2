import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { NotFoundError } from '../core/index.js';
import type { AnyModel, Executor } from '../db/index.js';
import { type AnyEndpoint, get, type RequestContext, respond, t } from '../http/index.js';
import {
  beginLogin,
  completeLogin,
  type OidcIdentity,
  OidcLoginError,
  type OidcProvider,
} from './oidc/index.js';
import { TokenPairSchema } from './routes.js';
import type { AuthService, AuthUser } from './service.js';
import { readCookie } from './sessions/cookies.js';

/** How a "Sign in with ..." login ends: a browser session, or a JWT pair in the answer. */
export type OidcLoginResult = 'session' | 'jwt';

/** The `oidc` option of `auth()`. */
export interface AuthOidcOptions {
  providers: readonly OidcProvider[];
  /** Default `session` (the browser is redirected to `next`); `jwt` answers a token pair as JSON. */
  result?: OidcLoginResult;
}

interface OidcRouteOptions {
  prefix: string;
  service: AuthService;
  identityModel: AnyModel;
  oidc: AuthOidcOptions;
  secret: string;
  production: boolean;
}

const STATE_PURPOSE = 'basalt.auth.oidc-state';
const STATE_MAX_AGE = 600;

type Loose = {
  query(model: AnyModel): { where(where: Record<string, unknown>): { first(): Promise<unknown> } };
  create(model: AnyModel, data: Record<string, unknown>): Promise<unknown>;
};

/** `/auth/oidc/:provider/login` and `/callback`: sign in with an outside identity provider. */
export function oidcRoutes(options: OidcRouteOptions): AnyEndpoint[] {
  const { prefix, service, identityModel, oidc } = options;
  const byName = new Map(oidc.providers.map((p) => [p.name, p]));
  const key = Buffer.from(hkdfSync('sha256', options.secret, Buffer.alloc(0), STATE_PURPOSE, 32));
  const mac = (value: string) => createHmac('sha256', key).update(value).digest('base64url');
  const cookieName = (provider: string) => `basalt_oidc_${provider.replace(/-/g, '_')}`;
  const cookiePath = `${prefix}/oidc/`;
  const secure = options.production ? '; Secure' : '';
  const tags = ['auth'];
  const result = oidc.result ?? 'session';

  const providerOf = (name: string): OidcProvider => {
    const provider = byName.get(name);
    if (!provider) throw new NotFoundError(`No sign-in provider is named '${name}'`);
    return provider;
  };
  const callbackUrl = (ctx: RequestContext, provider: OidcProvider) =>
    provider.redirectUri ??
    `${ctx.request.protocol}://${ctx.request.host}${prefix}/oidc/${provider.name}/callback`;

  const linkedUser = async (db: Executor, identity: OidcIdentity): Promise<AuthUser> => {
    const loose = db as unknown as Loose;
    const link = (await loose
      .query(identityModel)
      .where({ provider: identity.provider, subject: identity.subject })
      .first()) as { userId: AuthUser['id'] } | undefined;
    if (link) {
      const user = await service.activeUser(db, link.userId);
      if (!user) throw new OidcLoginError('BASALT_AUTH_OIDC_PROVIDER_ERROR', 'This account is disabled');
      return user;
    }
    // An account is created or linked only through an email the provider vouches for:
    // otherwise anyone could claim someone else's address at a lax provider.
    if (!identity.emailVerified || !identity.email)
      throw new OidcLoginError(
        'BASALT_AUTH_OIDC_EMAIL_UNVERIFIED',
        `${identity.provider} did not confirm a verified email address; verify it there, or sign in another way`,
      );
    const email = service.normalizeUsername(identity.email);
    return db.transaction(async (tx) => {
      const txLoose = tx as unknown as Loose;
      let user = (await txLoose
        .query(service.userModel)
        .where({ [service.usernameField]: email })
        .first()) as AuthUser | undefined;
      if (user && user.isActive === false)
        throw new OidcLoginError('BASALT_AUTH_OIDC_PROVIDER_ERROR', 'This account is disabled');
      user ??= await service.createUser(
        tx,
        { [service.usernameField]: email, password: '' },
        { validate: false },
      );
      await txLoose.create(identityModel, {
        provider: identity.provider,
        subject: identity.subject,
        userId: user.id,
        email,
      });
      return user;
    });
  };

  return [
    get(
      `${prefix}/oidc/:provider/login`,
      {
        tags,
        summary: 'Start signing in with an identity provider (redirects to it)',
        params: t.Object({ provider: t.String({ maxLength: 64 }) }),
        query: t.Object({
          next: t.Optional(
            t.String({ maxLength: 500, description: 'Where to go after signing in (a path here)' }),
          ),
        }),
        response: { 302: t.Null() },
      },
      async (ctx) => {
        const provider = providerOf(ctx.params.provider);
        const next = safeNext(ctx.query.next);
        const { url, state } = await beginLogin(provider, { redirectUri: callbackUrl(ctx, provider) });
        const payload = Buffer.from(JSON.stringify({ state, next })).toString('base64url');
        ctx.reply.header(
          'set-cookie',
          `${cookieName(provider.name)}=${payload}.${mac(payload)}; Max-Age=${STATE_MAX_AGE}; Path=${cookiePath}; HttpOnly; SameSite=Lax${secure}`,
        );
        return respond(302, null, { location: url.href, 'cache-control': 'no-store' });
      },
    ),
    get(
      `${prefix}/oidc/:provider/callback`,
      {
        tags,
        summary: 'Where the identity provider sends the browser back; ends in a session or a token pair',
        params: t.Object({ provider: t.String({ maxLength: 64 }) }),
        query: t.Record(t.String(), t.String()),
        response: { 200: TokenPairSchema, 303: t.Null() },
      },
      async (ctx) => {
        const provider = providerOf(ctx.params.provider);
        const name = cookieName(provider.name);
        // The login state is single-use: cleared whatever happens next.
        ctx.reply.header(
          'set-cookie',
          `${name}=; Max-Age=0; Path=${cookiePath}; HttpOnly; SameSite=Lax${secure}`,
        );
        const stored = readState(readCookie(ctx.request.headers.cookie ?? '', name), mac);
        const callback = new URL(ctx.request.url, `${ctx.request.protocol}://${ctx.request.host}`);
        const identity = await completeLogin(provider, { callbackUrl: callback, state: stored?.state });
        const user = await linkedUser(ctx.db, identity);
        if (result === 'jwt') return service.issueTokens(ctx.db, user);
        await ctx.session.login(user);
        return respond(303, null, { location: stored?.next ?? '/' });
      },
    ),
  ];
}

function readState(
  cookie: string | undefined,
  mac: (value: string) => string,
): { state: unknown; next: string | undefined } | undefined {
  if (!cookie) return undefined;
  const dot = cookie.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const payload = cookie.slice(0, dot);
  const expected = Buffer.from(mac(payload));
  const given = Buffer.from(cookie.slice(dot + 1));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      state?: unknown;
      next?: unknown;
    };
    return { state: parsed.state, next: safeNext(parsed.next) };
  } catch {
    return undefined;
  }
}

/** A local path to go to after signing in; anything else (other hosts, `//x`, `\x`) is dropped. */
function safeNext(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\'))
    return undefined;
  return value;
}
