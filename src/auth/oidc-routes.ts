import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError } from '../core/index.js';
import type { AnyModel, Executor } from '../db/index.js';
import {
  type AnyEndpoint,
  absoluteUrl,
  type EndpointRateLimit,
  get,
  post,
  type RequestContext,
  respond,
  t,
} from '../http/index.js';
import { isSafeRedirect } from '../http/internal.js';
import {
  beginLogin,
  completeLogin,
  type OidcIdentity,
  OidcLoginError,
  type OidcLoginState,
  type OidcProvider,
} from './oidc/index.js';
import { TokenPairSchema } from './routes.js';
import type { AuthService, AuthUser } from './service.js';
import { readCookie } from './sessions/cookies.js';
import type { SessionAuth } from './sessions/index.js';

/** How a "Sign in with ..." login ends: a browser session, or a JWT pair in the answer. */
export type OidcLoginResult = 'session' | 'jwt';

/** The `oidc` option of `auth()`. */
export interface AuthOidcOptions {
  providers: readonly OidcProvider[];
  /** Default `session` (the browser is redirected to `next`); `jwt` answers a token pair as JSON. */
  result?: OidcLoginResult;
  /**
   * Hosts besides the API's own that `next` may name (`app.example.com`, the front end on
   * another subdomain); exact, with the port when it is not the default.
   */
  redirectHosts?: readonly string[];
}

interface OidcRouteOptions {
  prefix: string;
  service: AuthService;
  identityModel: AnyModel;
  oidc: AuthOidcOptions;
  sessions: SessionAuth;
  /** Per-IP limit of the endpoints that start a login (each keeps a state server-side). */
  rateLimit: EndpointRateLimit | undefined;
  secret: string;
  production: boolean;
}

const STATE_PURPOSE = 'basalt.auth.oidc-state';
const STATE_MAX_AGE = 600;

/** What the server keeps of a login in progress, until its callback takes it. */
interface PendingLogin {
  login: OidcLoginState;
  next: string | undefined;
  /** The signed-in user who asked to link the provider to their account. */
  linkTo: AuthUser['id'] | undefined;
}

type Loose = {
  query(model: AnyModel): {
    where(where: Record<string, unknown>): {
      first(): Promise<unknown>;
      limit(n: number): { all(): Promise<unknown[]> };
    };
  };
  create(model: AnyModel, data: Record<string, unknown>): Promise<unknown>;
};

/**
 * `/auth/oidc/:provider/login`, `/callback` and `/link`: sign in with an outside identity
 * provider, or link one to the signed-in account. The login state (state, nonce, PKCE verifier,
 * `next`) is kept in the session store and taken once by the callback; the browser holds only
 * a signed random id naming it.
 */
export function oidcRoutes(options: OidcRouteOptions): AnyEndpoint[] {
  const { prefix, service, identityModel, oidc, sessions } = options;
  const byName = new Map(oidc.providers.map((p) => [p.name, p]));
  const key = Buffer.from(hkdfSync('sha256', options.secret, Buffer.alloc(0), STATE_PURPOSE, 32));
  const mac = (value: string) => createHmac('sha256', key).update(value).digest('base64url');
  // Its Path is the callback's, so it cannot be __Host-; __Secure- still keeps a plain-HTTP
  // page from setting it.
  const cookiePrefix = options.production ? '__Secure-' : '';
  const cookieName = (provider: string) => `${cookiePrefix}basalt_oidc_${provider.replace(/-/g, '_')}`;
  const cookiePath = `${prefix}/oidc/`;
  const secure = options.production ? '; Secure' : '';
  const tags = ['auth'];
  const result = oidc.result ?? 'session';
  const redirectHosts = oidc.redirectHosts ?? [];
  const limited = options.rateLimit ? { rateLimit: options.rateLimit } : {};

  const providerOf = (name: string): OidcProvider => {
    const provider = byName.get(name);
    if (!provider) throw new NotFoundError(`No sign-in provider is named '${name}'`);
    return provider;
  };
  // PUBLIC_URL, or the host ALLOWED_HOSTS validated: never a Host header as sent.
  const originOf = (ctx: RequestContext) => new URL(absoluteUrl(ctx, '/')).origin;
  const callbackUrl = (ctx: RequestContext, provider: OidcProvider) =>
    provider.redirectUri ?? absoluteUrl(ctx, `${prefix}/oidc/${provider.name}/callback`);
  const safeNext = (ctx: RequestContext, next: unknown): string | undefined =>
    isSafeRedirect(next, { origin: originOf(ctx), allowedHosts: redirectHosts })
      ? (next as string)
      : undefined;

  /** Starts a login: keeps its state server-side and sets the cookie naming it. */
  const start = async (ctx: RequestContext, provider: OidcProvider, pending: Omit<PendingLogin, 'login'>) => {
    const { url, state } = await beginLogin(provider, { redirectUri: callbackUrl(ctx, provider) });
    const id = randomBytes(32).toString('base64url');
    const kept: PendingLogin = { login: state, ...pending };
    await sessions.keepOnce(
      ctx.db,
      STATE_PURPOSE,
      id,
      kept as unknown as Record<string, unknown>,
      STATE_MAX_AGE,
    );
    ctx.reply.header(
      'set-cookie',
      `${cookieName(provider.name)}=${id}.${mac(id)}; Max-Age=${STATE_MAX_AGE}; Path=${cookiePath}; HttpOnly; SameSite=Lax${secure}`,
    );
    return url;
  };

  /** Takes the login the callback's cookie names, at most once. */
  const take = async (ctx: RequestContext, cookie: string | undefined): Promise<PendingLogin | undefined> => {
    const id = readSigned(cookie, mac);
    if (id === undefined) return undefined;
    const kept = await sessions.takeOnce(ctx.db, STATE_PURPOSE, id);
    return kept === undefined ? undefined : (kept as unknown as PendingLogin);
  };

  const linker = new IdentityLinker(service, identityModel);

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
        problems: [502],
        ...limited,
      },
      async (ctx) => {
        const provider = providerOf(ctx.params.provider);
        const url = await start(ctx, provider, { next: safeNext(ctx, ctx.query.next), linkTo: undefined });
        return respond(302, null, { location: url.href, 'cache-control': 'no-store' });
      },
    ),
    post(
      `${prefix}/oidc/:provider/link`,
      {
        tags,
        summary: 'Start linking an identity provider to the signed-in account',
        description:
          'Answers the provider URL to send the browser to; its callback attaches the identity to this account. Needs a signed-in user (and, with a session, the CSRF token): signing in to the account is what confirms the link.',
        auth: 'required',
        params: t.Object({ provider: t.String({ maxLength: 64 }) }),
        body: t.Optional(
          t.Object({
            next: t.Optional(t.String({ maxLength: 500, description: 'Where to go once linked' })),
          }),
        ),
        // The provider's authorization URL: its endpoint with the state, nonce and PKCE challenge.
        response: { 200: t.Object({ url: t.String({ format: 'uri', maxLength: 8192 }) }) },
        problems: [502],
        ...limited,
      },
      async (ctx) => {
        const provider = providerOf(ctx.params.provider);
        const user = ctx.user as unknown as AuthUser;
        const url = await start(ctx, provider, { next: safeNext(ctx, ctx.body?.next), linkTo: user.id });
        return respond(200, { url: url.href }, { 'cache-control': 'no-store' });
      },
    ),
    get(
      `${prefix}/oidc/:provider/callback`,
      {
        tags,
        summary: 'Where the identity provider sends the browser back; ends in a session or a token pair',
        params: t.Object({ provider: t.String({ maxLength: 64 }) }),
        // What the provider adds to the redirect (code, state, iss, error...), each bounded.
        query: t.Record(t.String(), t.String({ maxLength: 4096 })),
        response: { 200: TokenPairSchema, 303: t.Null() },
        // A disabled account or an unverified email (403), an account or identity already
        // taken (409), a provider that cannot be reached or answers wrongly (502).
        problems: [403, 409, 502],
      },
      async (ctx) => {
        const provider = providerOf(ctx.params.provider);
        const name = cookieName(provider.name);
        // The cookie goes whatever happens next; the state it names is taken (deleted) below.
        ctx.reply.header(
          'set-cookie',
          `${name}=; Max-Age=0; Path=${cookiePath}; HttpOnly; SameSite=Lax${secure}`,
        );
        const pending = await take(ctx, readCookie(ctx.request.headers.cookie ?? '', name));
        if (!pending)
          throw new OidcLoginError(
            'BASALT_AUTH_OIDC_STATE_MISMATCH',
            'No login in progress for this browser (it was completed already, expired, or started elsewhere); please start again',
          );
        const callback = new URL(absoluteUrl(ctx, ctx.request.url));
        const identity = await completeLogin(provider, { callbackUrl: callback, state: pending.login });
        const user = await linker.userFor(ctx.db, provider, identity, pending.linkTo);
        if (result === 'jwt') return service.issueTokens(ctx.db, user);
        await ctx.session.login(user);
        return respond(303, null, { location: safeNext(ctx, pending.next) ?? '/' });
      },
    ),
  ];
}

/** Finds, links or creates the local user of an external identity, under the provider's linking policy. */
class IdentityLinker {
  readonly #service: AuthService;
  readonly #identityModel: AnyModel;

  constructor(service: AuthService, identityModel: AnyModel) {
    this.#service = service;
    this.#identityModel = identityModel;
  }

  async userFor(
    db: Executor,
    provider: OidcProvider,
    identity: OidcIdentity,
    linkTo: AuthUser['id'] | undefined,
  ): Promise<AuthUser> {
    const link = (await (db as unknown as Loose)
      .query(this.#identityModel)
      .where({ provider: identity.provider, subject: identity.subject })
      .first()) as { userId: AuthUser['id'] } | undefined;
    if (link) {
      if (linkTo !== undefined && String(link.userId) !== String(linkTo))
        throw new OidcLoginError(
          'BASALT_AUTH_OIDC_IDENTITY_TAKEN',
          `This ${identity.provider} account is already linked to another account`,
        );
      return this.#active(db, link.userId);
    }
    if (linkTo !== undefined) {
      const user = await this.#active(db, linkTo);
      await this.#link(db, identity, user);
      return user;
    }
    // A new account is made only from an email the provider vouches for.
    if (!identity.emailVerified || !identity.email)
      throw new OidcLoginError(
        'BASALT_AUTH_OIDC_EMAIL_UNVERIFIED',
        `${identity.provider} did not confirm a verified email address; verify it there, or sign in another way`,
      );
    const email = normalizeEmail(identity.email);
    return db.transaction(async (tx) => {
      const existing = await this.#byEmail(tx, email);
      if (existing) {
        if (!mayLinkByEmail(provider, existing))
          throw new OidcLoginError(
            'BASALT_AUTH_OIDC_ACCOUNT_EXISTS',
            `An account with this email exists already. Sign in to it, then link ${identity.provider} from there (POST /auth/oidc/${identity.provider}/link)`,
          );
        if (existing.isActive === false)
          throw new OidcLoginError('BASALT_AUTH_OIDC_PROVIDER_ERROR', 'This account is disabled');
        await this.#link(tx, identity, existing);
        return existing;
      }
      const user = await this.#service.createUser(
        tx,
        { [this.#service.usernameField]: email, password: '' },
        { validate: false },
      );
      await this.#link(tx, identity, user);
      return user;
    });
  }

  async #active(db: Executor, id: AuthUser['id']): Promise<AuthUser> {
    const user = await this.#service.activeUser(db, id);
    if (!user) throw new OidcLoginError('BASALT_AUTH_OIDC_PROVIDER_ERROR', 'This account is disabled');
    return user;
  }

  async #link(db: Executor, identity: OidcIdentity, user: AuthUser): Promise<void> {
    await (db as unknown as Loose).create(this.#identityModel, {
      provider: identity.provider,
      subject: identity.subject,
      userId: user.id,
      email: identity.email === null ? null : normalizeEmail(identity.email),
    });
  }

  /** The account whose login name equals `email` once both are normalised (case, Unicode compatibility forms). */
  async #byEmail(db: Executor, email: string): Promise<AuthUser | undefined> {
    const field = this.#service.usernameField;
    // `icontains` narrows in SQL (ASCII case-insensitively on SQLite); equality is decided here.
    const candidates = (await (db as unknown as Loose)
      .query(this.#service.userModel)
      .where({ [field]: { icontains: asciiFolded(email) } })
      .limit(50)
      .all()) as AuthUser[];
    return candidates.find(
      (user) => typeof user[field] === 'string' && normalizeEmail(user[field]) === email,
    );
  }
}

/** `verified-trusted` links only accounts that have no other way in and no rights to steal. */
function mayLinkByEmail(provider: OidcProvider, user: AuthUser): boolean {
  if (provider.linkByEmail !== 'verified-trusted') return false;
  const usablePassword =
    typeof user.password === 'string' && user.password !== '' && !user.password.startsWith('!');
  return !usablePassword && user.isStaff !== true && user.isSuperuser !== true;
}

/** An email as compared: Unicode compatibility form (NFKC), trimmed, lower-case. */
function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/** The longest ASCII run of a normalised email, for a SQL pre-filter that cannot fold Unicode. */
function asciiFolded(email: string): string {
  const runs = email.split(/[^\x20-\x7e]+/);
  return runs.reduce((longest, run) => (run.length > longest.length ? run : longest), '');
}

/** The id of a `<id>.<mac>` cookie, or undefined when absent or tampered with. */
function readSigned(cookie: string | undefined, mac: (value: string) => string): string | undefined {
  if (!cookie) return undefined;
  const dot = cookie.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = cookie.slice(0, dot);
  const expected = Buffer.from(mac(id));
  const given = Buffer.from(cookie.slice(dot + 1));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return id;
}
