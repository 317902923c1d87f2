import * as oauth from 'oauth4webapi';
import { BasaltError } from '../../core/index.js';
import type { ClientAuthMethod, OidcEmailLinking, OidcIdentity, OidcProvider } from './provider.js';

/** What the token exchange produced, handed to a provider's identity step. */
export interface IdentityContext {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  tokens: oauth.TokenEndpointResponse;
  /** Validated ID token claims (OIDC only). */
  idToken: oauth.IDToken | undefined;
}

/** What Basalt keeps about a provider out of sight of users of the public object. */
export interface ProviderInternals {
  clientSecret: string;
  clientAuthMethod: ClientAuthMethod;
  metadata(): Promise<oauth.AuthorizationServer>;
  identity(context: IdentityContext): Promise<OidcIdentity>;
  jwksCache: oauth.JWKSCacheInput;
}

const internals = new WeakMap<OidcProvider, ProviderInternals>();
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Every request to a provider gives up after this long. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** The hidden half of a provider; throws when `provider` was not made by a Basalt factory. */
export function internalsOf(provider: OidcProvider): ProviderInternals {
  const found = internals.get(provider);
  if (!found)
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      'Not a provider made by defineOidcProvider, githubProvider or googleProvider',
    );
  return found;
}

/** Registers a provider's public and hidden halves; used by the factories. */
export function registerProvider(
  provider: Omit<OidcProvider, 'scopes'> & { scopes: readonly string[] },
  hidden: ProviderInternals,
): OidcProvider {
  const frozen = Object.freeze({ ...provider, scopes: Object.freeze([...provider.scopes]) });
  internals.set(frozen, hidden);
  return frozen;
}

/** True for http(s) URLs on the loopback interface, where plain HTTP is accepted. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK.has(url.hostname);
}

/** Options for one oauth4webapi request to `url`: a timeout, and plain HTTP only on loopback. */
export function requestOptions(url: string | URL | undefined): {
  signal: AbortSignal;
  [oauth.allowInsecureRequests]: boolean;
} {
  const parsed = url === undefined ? undefined : new URL(url);
  return {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    [oauth.allowInsecureRequests]: parsed !== undefined && parsed.protocol === 'http:' && isLoopback(parsed),
  };
}

/** Checks the settings every provider shares; fails with BASALT_CONFIG_INVALID. */
export function checkCommonOptions(options: {
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUri?: string | undefined;
}): void {
  const problems: string[] = [];
  if (!NAME.test(options.name))
    problems.push(`name "${options.name}" must be lower-case letters, digits and dashes`);
  if (!options.clientId) problems.push('clientId is required');
  if (!options.clientSecret) problems.push('clientSecret is required');
  if (options.redirectUri !== undefined) {
    try {
      checkUrl(options.redirectUri, 'redirectUri');
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0)
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `Login provider "${options.name}": ${problems.join('; ')}`,
    );
}

/** Parses `value` as an https URL (http only on loopback), or throws BASALT_CONFIG_INVALID. */
export function checkUrl(value: string, label: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new BasaltError('BASALT_CONFIG_INVALID', `${label} "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url)))
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `${label} "${value}" must use https (plain http is accepted for localhost and 127.0.0.1 only)`,
    );
  return url;
}

/** Reads a string claim, or undefined. */
export function stringClaim(claims: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The `linkByEmail` option, checked; `never` when absent. */
export function linkingOf(options: {
  name: string;
  linkByEmail?: OidcEmailLinking | undefined;
}): OidcEmailLinking {
  const value = options.linkByEmail ?? 'never';
  if (value !== 'never' && value !== 'verified-trusted')
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `Login provider "${options.name}": linkByEmail must be 'never' or 'verified-trusted', not ${JSON.stringify(value)}`,
    );
  return value;
}
