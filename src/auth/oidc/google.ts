import { defineOidcProvider, type OidcEmailLinking, type OidcProvider } from './provider.js';

/** Options of {@link googleProvider}. */
export interface GoogleProviderOptions {
  clientId: string;
  clientSecret: string;
  /** Defaults to `google`. */
  name?: string;
  /** Defaults to `['openid', 'email', 'profile']`. */
  scopes?: readonly string[];
  /** The callback URL registered in the Google Cloud console. */
  redirectUri?: string;
  /** Defaults to `never`; see {@link OidcEmailLinking}. */
  linkByEmail?: OidcEmailLinking;
}

/**
 * "Sign in with Google": OpenID Connect with the issuer `https://accounts.google.com`.
 *
 * @example
 * const google = googleProvider({ clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET });
 */
export function googleProvider(options: GoogleProviderOptions): OidcProvider {
  return defineOidcProvider({
    name: options.name ?? 'google',
    issuer: 'https://accounts.google.com',
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
    ...(options.redirectUri === undefined ? {} : { redirectUri: options.redirectUri }),
    ...(options.linkByEmail === undefined ? {} : { linkByEmail: options.linkByEmail }),
  });
}
