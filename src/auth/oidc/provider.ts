import * as oauth from 'oauth4webapi';
import { OidcLoginError } from './errors.js';
import {
  checkCommonOptions,
  checkUrl,
  linkingOf,
  type ProviderInternals,
  registerProvider,
  requestOptions,
  stringClaim,
} from './internals.js';

/**
 * Whether a first login through a provider may attach to an existing local account with the
 * same email. `never` (the default): it may not — the user signs in to that account and links
 * the provider from there. `verified-trusted`: for a provider that owns its users' email domain,
 * a verified email links to an account that has no usable password and no staff or superuser
 * rights; any other account still needs the user to sign in and link.
 */
export type OidcEmailLinking = 'never' | 'verified-trusted';

/** How the client authenticates at the token endpoint. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/**
 * A configured identity provider, made by {@link defineOidcProvider}, {@link githubProvider}
 * or {@link googleProvider}. It holds no secret: the client secret stays inside Basalt.
 */
export interface OidcProvider {
  /** Identifies the provider in URLs and stored login state (`google`, `github`, `acme-sso`). */
  readonly name: string;
  /** `oidc`: ID token and discovery; `oauth2`: plain OAuth 2.0 with a user API (GitHub). */
  readonly protocol: 'oidc' | 'oauth2';
  /** The issuer URL (OIDC) or the provider's site (OAuth 2.0). */
  readonly issuer: string;
  /** The client id registered at the provider. */
  readonly clientId: string;
  /** The scopes asked for. */
  readonly scopes: readonly string[];
  /** The default redirect URI, when configured. */
  readonly redirectUri: string | undefined;
  /** Whether a first login may attach to an existing account by email; see {@link OidcEmailLinking}. */
  readonly linkByEmail: OidcEmailLinking;
}

/** Options of {@link defineOidcProvider}. */
export interface OidcProviderOptions {
  /** Lower-case letters, digits and dashes; used in URLs (`/auth/oidc/<name>/callback`). */
  name: string;
  /** The issuer URL; `<issuer>/.well-known/openid-configuration` must answer. HTTPS, except on localhost. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Defaults to `['openid', 'email', 'profile']`; `openid` is added when missing. */
  scopes?: readonly string[];
  /** The callback URL registered at the provider; `beginLogin` may override it. */
  redirectUri?: string;
  /** Defaults to `client_secret_basic`. */
  clientAuthMethod?: ClientAuthMethod;
  /** Defaults to `never`; `verified-trusted` only for a provider that owns its users' email domain. */
  linkByEmail?: OidcEmailLinking;
}

/** The identity a completed login yields. */
export interface OidcIdentity {
  /** The provider's name. */
  provider: string;
  /** The provider's stable user id (`sub`, or GitHub's numeric id as a string). Link accounts by `provider` + `subject`. */
  subject: string;
  /** The user's email at the provider, or `null` when it gave none. */
  email: string | null;
  /** True only when the provider states that `email` is verified (`email_verified === true`). */
  emailVerified: boolean;
  /** Display name, when the provider gave one. */
  name?: string;
  /** Every claim received (ID token merged with userinfo, or GitHub's user object). */
  claims: Readonly<Record<string, unknown>>;
}

/**
 * Declares a generic OpenID Connect provider, found by its issuer URL. Discovery runs on the
 * first login and its result is cached on the provider (a failed discovery is retried next time).
 *
 * @example
 * const acme = defineOidcProvider({
 *   name: 'acme',
 *   issuer: 'https://login.acme.example',
 *   clientId: env.ACME_CLIENT_ID,
 *   clientSecret: env.ACME_CLIENT_SECRET,
 * });
 */
export function defineOidcProvider(options: OidcProviderOptions): OidcProvider {
  checkCommonOptions(options);
  const issuer = checkUrl(options.issuer, `Login provider "${options.name}": issuer`);
  const scopes = options.scopes ?? ['openid', 'email', 'profile'];
  let discovery: Promise<oauth.AuthorizationServer> | undefined;

  const metadata = (): Promise<oauth.AuthorizationServer> => {
    discovery ??= discover(issuer).catch((error: unknown) => {
      discovery = undefined;
      throw error;
    });
    return discovery;
  };

  return registerProvider(
    {
      name: options.name,
      protocol: 'oidc',
      issuer: options.issuer,
      clientId: options.clientId,
      scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
      redirectUri: options.redirectUri,
      linkByEmail: linkingOf(options),
    },
    {
      clientSecret: options.clientSecret,
      clientAuthMethod: options.clientAuthMethod ?? 'client_secret_basic',
      metadata,
      identity: oidcIdentity(options.name),
      jwksCache: {},
    },
  );
}

async function discover(issuer: URL): Promise<oauth.AuthorizationServer> {
  try {
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(issuer) });
    const as = await oauth.processDiscoveryResponse(issuer, response);
    if (!as.authorization_endpoint || !as.token_endpoint || !as.jwks_uri)
      throw new Error('the metadata lacks authorization_endpoint, token_endpoint or jwks_uri');
    return as;
  } catch (error) {
    throw new OidcLoginError(
      'BASALT_AUTH_OIDC_DISCOVERY_FAILED',
      `Discovery of ${issuer.href} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function oidcIdentity(name: string): ProviderInternals['identity'] {
  return async ({ as, client, tokens, idToken }) => {
    if (!idToken)
      throw new OidcLoginError('BASALT_AUTH_OIDC_ID_TOKEN_INVALID', 'The provider sent no ID token');
    let claims: Record<string, unknown> = { ...idToken };
    // Email and email_verified are read from the same source, so a verified flag of one
    // document never vouches for an address taken from the other.
    let source: Record<string, unknown> = claims;
    if (stringClaim(claims, 'email') === undefined && as.userinfo_endpoint) {
      let userinfo: oauth.UserInfoResponse;
      try {
        const response = await oauth.userInfoRequest(
          as,
          client,
          tokens.access_token,
          requestOptions(as.userinfo_endpoint),
        );
        userinfo = await oauth.processUserInfoResponse(as, client, idToken.sub, response);
      } catch (error) {
        throw new OidcLoginError(
          'BASALT_AUTH_OIDC_USERINFO_FAILED',
          `The userinfo request failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      source = { ...userinfo };
      claims = { ...userinfo, ...idToken };
    }
    const email = stringClaim(source, 'email') ?? null;
    const displayName = stringClaim(claims, 'name');
    return {
      provider: name,
      subject: idToken.sub,
      email,
      emailVerified: email !== null && source.email_verified === true,
      ...(displayName === undefined ? {} : { name: displayName }),
      claims,
    };
  };
}
