import * as oauth from 'oauth4webapi';
import { OidcLoginError } from './errors.js';
import {
  checkCommonOptions,
  checkUrl,
  type IdentityContext,
  linkingOf,
  registerProvider,
  requestOptions,
  stringClaim,
} from './internals.js';
import type { OidcEmailLinking, OidcIdentity, OidcProvider } from './provider.js';

/** GitHub's OAuth and API URLs; {@link githubProvider} lets tests point them elsewhere. */
export interface GithubEndpoints {
  authorization: string;
  token: string;
  user: string;
  emails: string;
}

/** Options of {@link githubProvider}. */
export interface GithubProviderOptions {
  clientId: string;
  clientSecret: string;
  /** Defaults to `github`. */
  name?: string;
  /** Defaults to `['read:user', 'user:email']`; `user:email` is needed to read the verified email. */
  scopes?: readonly string[];
  /** The callback URL registered in the GitHub OAuth app. */
  redirectUri?: string;
  /** Overrides GitHub's URLs (GitHub Enterprise, or a local stand-in in tests). */
  endpoints?: Partial<GithubEndpoints>;
  /** Defaults to `never`; see {@link OidcEmailLinking}. */
  linkByEmail?: OidcEmailLinking;
}

const GITHUB: GithubEndpoints = {
  authorization: 'https://github.com/login/oauth/authorize',
  token: 'https://github.com/login/oauth/access_token',
  user: 'https://api.github.com/user',
  emails: 'https://api.github.com/user/emails',
};

/**
 * "Sign in with GitHub". GitHub speaks plain OAuth 2.0, not OpenID Connect: there is no ID
 * token, so the identity comes from `GET /user` (the numeric `id` is the subject) and the
 * email from the **primary** entry of `GET /user/emails`, with its `verified` flag.
 *
 * @example
 * const github = githubProvider({ clientId: env.GITHUB_CLIENT_ID, clientSecret: env.GITHUB_CLIENT_SECRET });
 */
export function githubProvider(options: GithubProviderOptions): OidcProvider {
  const name = options.name ?? 'github';
  checkCommonOptions({ ...options, name });
  const endpoints = { ...GITHUB, ...options.endpoints };
  for (const [key, value] of Object.entries(endpoints))
    checkUrl(value, `Login provider "${name}": endpoints.${key}`);
  const as: oauth.AuthorizationServer = {
    issuer: 'https://github.com',
    authorization_endpoint: endpoints.authorization,
    token_endpoint: endpoints.token,
  };
  return registerProvider(
    {
      name,
      protocol: 'oauth2',
      issuer: as.issuer,
      clientId: options.clientId,
      scopes: options.scopes ?? ['read:user', 'user:email'],
      redirectUri: options.redirectUri,
      linkByEmail: linkingOf({ ...options, name }),
    },
    {
      clientSecret: options.clientSecret,
      clientAuthMethod: 'client_secret_post',
      metadata: async () => as,
      identity: (context) => githubIdentity(name, endpoints, context),
      jwksCache: {},
    },
  );
}

interface GithubEmail {
  email?: unknown;
  primary?: unknown;
  verified?: unknown;
}

async function githubIdentity(
  name: string,
  endpoints: GithubEndpoints,
  { tokens }: IdentityContext,
): Promise<OidcIdentity> {
  const user = await githubGet(endpoints.user, tokens.access_token);
  const emails = await githubGet(endpoints.emails, tokens.access_token);
  const id = isRecord(user) ? user.id : undefined;
  if (!isRecord(user) || (typeof id !== 'number' && typeof id !== 'string') || !Array.isArray(emails))
    throw new OidcLoginError(
      'BASALT_AUTH_OIDC_USERINFO_FAILED',
      'GitHub answered with an unexpected user shape',
    );
  const primary = (emails as GithubEmail[]).find((entry) => isRecord(entry) && entry.primary === true);
  const email = typeof primary?.email === 'string' && primary.email !== '' ? primary.email : null;
  const displayName = stringClaim(user, 'name') ?? stringClaim(user, 'login');
  return {
    provider: name,
    subject: String(id),
    email,
    emailVerified: email !== null && primary?.verified === true,
    ...(displayName === undefined ? {} : { name: displayName }),
    claims: user,
  };
}

async function githubGet(url: string, accessToken: string): Promise<unknown> {
  try {
    const response = await oauth.protectedResourceRequest(
      accessToken,
      'GET',
      new URL(url),
      new Headers({
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'basalt',
      }),
      null,
      requestOptions(url),
    );
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.json();
  } catch (error) {
    throw new OidcLoginError(
      'BASALT_AUTH_OIDC_USERINFO_FAILED',
      `GitHub ${new URL(url).pathname} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
