import * as oauth from 'oauth4webapi';
import { BasaltError } from '../../core/index.js';
import { OidcLoginError } from './errors.js';
import { internalsOf, requestOptions } from './internals.js';
import type { OidcIdentity, OidcProvider } from './provider.js';

/**
 * What `beginLogin` asks the caller to keep until the callback, server-side or in a signed,
 * HttpOnly cookie. Plain JSON. It holds the PKCE verifier: never put it in a URL or an unsigned cookie.
 */
export interface OidcLoginState {
  /** The provider's name; `completeLogin` refuses a state made for another provider. */
  provider: string;
  /** Sent as `state`; the callback must echo it. */
  state: string;
  /** Sent as `nonce`; the ID token must carry it. */
  nonce: string;
  /** The PKCE verifier; only its S256 hash left the server. */
  codeVerifier: string;
  /** The redirect URI sent, repeated at the token exchange. */
  redirectUri: string;
  /** When the login began, in milliseconds since the epoch. */
  createdAt: number;
}

/** Options of {@link beginLogin}. */
export interface BeginLoginOptions {
  /** The callback URL; defaults to the provider's `redirectUri`. */
  redirectUri?: string;
  /** Extra authorization parameters (`prompt`, `login_hint`, `hd`, …); cannot override the protocol ones. */
  params?: Readonly<Record<string, string>>;
}

/** What {@link beginLogin} returns: where to send the browser, and what to keep. */
export interface BeginLoginResult {
  url: URL;
  state: OidcLoginState;
}

/** Options of {@link completeLogin}. */
export interface CompleteLoginOptions {
  /** The full URL the provider redirected the browser to (with `code` and `state`, or `error`). */
  callbackUrl: URL;
  /** The state `beginLogin` returned, as stored by the caller (already parsed from JSON). */
  state: unknown;
  /** How long a login may take, in milliseconds; default 10 minutes. */
  maxAgeMs?: number;
}

const DEFAULT_MAX_AGE_MS = 10 * 60 * 1000;
const PROTOCOL_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

/**
 * Starts a "Sign in with …" login: authorization code flow with PKCE (S256), `state` and,
 * for OpenID Connect, `nonce`. Redirect the browser to `url` and keep `state` until the callback.
 *
 * @example
 * const { url, state } = await beginLogin(google, { redirectUri: 'https://shop.example/auth/oidc/google/callback' });
 * // store `state` in a signed cookie, then answer 302 Location: url
 */
export async function beginLogin(
  provider: OidcProvider,
  options: BeginLoginOptions = {},
): Promise<BeginLoginResult> {
  const hidden = internalsOf(provider);
  const redirectUri = options.redirectUri ?? provider.redirectUri;
  if (!redirectUri)
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `Login provider "${provider.name}": no redirectUri (give one to the provider or to beginLogin)`,
    );
  const as = await hidden.metadata();
  const state: OidcLoginState = {
    provider: provider.name,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
    redirectUri,
    createdAt: Date.now(),
  };
  const url = new URL(as.authorization_endpoint as string);
  for (const [key, value] of Object.entries(options.params ?? {}))
    if (!PROTOCOL_PARAMS.has(key)) url.searchParams.set(key, value);
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', provider.scopes.join(' '));
  url.searchParams.set('state', state.state);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(state.codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (provider.protocol === 'oidc') url.searchParams.set('nonce', state.nonce);
  return { url, state };
}

/**
 * Finishes a login at the callback: checks the stored state against the callback, exchanges
 * the code with the PKCE verifier, validates the ID token (signature, issuer, audience,
 * nonce, expiry — by oauth4webapi) and reads the user's identity (userinfo when the ID token
 * has no email; GitHub's user API for GitHub). Throws an {@link OidcLoginError}.
 *
 * @example
 * const identity = await completeLogin(google, { callbackUrl: new URL(request.url, origin), state: stored });
 * if (identity.emailVerified) linkOrCreateUser(identity.email, identity);
 */
export async function completeLogin(
  provider: OidcProvider,
  options: CompleteLoginOptions,
): Promise<OidcIdentity> {
  const hidden = internalsOf(provider);
  const stored = options.state;
  if (!isLoginState(stored) || stored.provider !== provider.name)
    throw new OidcLoginError('BASALT_AUTH_OIDC_STATE_MISMATCH', 'No login in progress for this provider');
  const age = Date.now() - stored.createdAt;
  if (age > (options.maxAgeMs ?? DEFAULT_MAX_AGE_MS) || age < -60_000)
    throw new OidcLoginError('BASALT_AUTH_OIDC_STATE_EXPIRED', 'The login took too long; please start again');
  if (options.callbackUrl.searchParams.get('state') !== stored.state)
    throw new OidcLoginError('BASALT_AUTH_OIDC_STATE_MISMATCH');

  const as = await hidden.metadata();
  const client: oauth.Client = { client_id: provider.clientId };
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, options.callbackUrl, stored.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      const code = /^[\w.-]{1,64}$/.test(error.error) ? error.error : 'invalid';
      throw new OidcLoginError(
        'BASALT_AUTH_OIDC_PROVIDER_ERROR',
        `The provider refused the login (${code})`,
        {
          providerError: code,
          cause: error,
        },
      );
    }
    throw new OidcLoginError('BASALT_AUTH_OIDC_INVALID_CALLBACK', (error as Error).message, { cause: error });
  }
  if (!params.get('code'))
    throw new OidcLoginError('BASALT_AUTH_OIDC_INVALID_CALLBACK', 'The callback carries no code');

  const tokens = await exchange(provider, as, client, params, stored);
  const idToken = oauth.getValidatedIdTokenClaims(tokens);
  return hidden.identity({ as, client, tokens, idToken });
}

async function exchange(
  provider: OidcProvider,
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  params: URLSearchParams,
  stored: OidcLoginState,
): Promise<oauth.TokenEndpointResponse> {
  const hidden = internalsOf(provider);
  const auth =
    hidden.clientAuthMethod === 'client_secret_post'
      ? oauth.ClientSecretPost(hidden.clientSecret)
      : oauth.ClientSecretBasic(hidden.clientSecret);
  const oidc = provider.protocol === 'oidc';
  let response: Response;
  let copy: Response;
  try {
    response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      stored.redirectUri,
      stored.codeVerifier,
      requestOptions(as.token_endpoint),
    );
    copy = response.clone();
  } catch (error) {
    throw exchangeFailed(error);
  }
  let result: oauth.TokenEndpointResponse;
  try {
    result = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: oidc ? stored.nonce : oauth.expectNoNonce,
      requireIdToken: oidc,
    });
  } catch (error) {
    if (await carriesTokens(copy)) throw idTokenInvalid(error);
    throw exchangeFailed(error);
  }
  if (oidc) {
    // oauth4webapi leaves the signature of an ID token received over TLS unchecked unless asked.
    try {
      await oauth.validateApplicationLevelSignature(as, response, {
        ...requestOptions(as.jwks_uri),
        [oauth.jwksCache]: hidden.jwksCache,
      });
    } catch (error) {
      throw idTokenInvalid(error);
    }
  }
  return result;
}

/** True when the token endpoint did answer with tokens, so a failure was about the ID token. */
async function carriesTokens(response: Response): Promise<boolean> {
  try {
    const body: unknown = await response.json();
    return (
      response.status === 200 &&
      typeof body === 'object' &&
      body !== null &&
      typeof (body as Record<string, unknown>).access_token === 'string' &&
      'id_token' in body
    );
  } catch {
    return false;
  }
}

function exchangeFailed(error: unknown): OidcLoginError {
  const providerError =
    error instanceof oauth.ResponseBodyError
      ? error.error
      : error instanceof oauth.WWWAuthenticateChallengeError
        ? error.cause[0]?.parameters.error
        : undefined;
  return new OidcLoginError(
    'BASALT_AUTH_OIDC_EXCHANGE_FAILED',
    providerError
      ? `The token endpoint refused the code (${providerError})`
      : `The token exchange failed: ${(error as Error).message}`,
    { cause: error, ...(providerError === undefined ? {} : { providerError }) },
  );
}

function idTokenInvalid(error: unknown): OidcLoginError {
  return new OidcLoginError(
    'BASALT_AUTH_OIDC_ID_TOKEN_INVALID',
    `The ID token was rejected: ${(error as Error).message}`,
    { cause: error },
  );
}

function isLoginState(value: unknown): value is OidcLoginState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  return (
    ['provider', 'state', 'nonce', 'codeVerifier', 'redirectUri'].every(
      (key) => typeof state[key] === 'string' && state[key] !== '',
    ) && Number.isFinite(state.createdAt)
  );
}
