import { BasaltError, type BasaltErrorOptions, defineErrorCodes } from '../../core/index.js';

/**
 * Stable codes of "Sign in with …" errors, in the shape of core's `ERROR_CODES`
 * (see docs/reference/errors.md). 400: the callback does not belong to the login that was
 * started; 409: the login would attach to an account it may not; 502: the provider could not be reached or answered with something unusable.
 */
export const OIDC_ERROR_CODES = defineErrorCodes({
  BASALT_AUTH_OIDC_STATE_MISMATCH: { status: 400, title: 'The login callback does not match the login' },
  BASALT_AUTH_OIDC_STATE_EXPIRED: { status: 400, title: 'The login took too long' },
  BASALT_AUTH_OIDC_INVALID_CALLBACK: { status: 400, title: 'The login callback is invalid' },
  BASALT_AUTH_OIDC_PROVIDER_ERROR: { status: 400, title: 'The identity provider refused the login' },
  BASALT_AUTH_OIDC_EMAIL_UNVERIFIED: {
    status: 403,
    title: 'The identity provider did not vouch for an email address',
  },
  BASALT_AUTH_OIDC_ACCOUNT_EXISTS: {
    status: 409,
    title: 'An account with this email exists: sign in to it and link the provider from there',
  },
  BASALT_AUTH_OIDC_IDENTITY_TAKEN: {
    status: 409,
    title: 'This identity at the provider is linked to another account',
  },
  BASALT_AUTH_OIDC_DISCOVERY_FAILED: { status: 502, title: 'The identity provider could not be discovered' },
  BASALT_AUTH_OIDC_EXCHANGE_FAILED: { status: 502, title: 'The authorization code could not be exchanged' },
  BASALT_AUTH_OIDC_ID_TOKEN_INVALID: { status: 502, title: 'The ID token was rejected' },
  BASALT_AUTH_OIDC_USERINFO_FAILED: { status: 502, title: 'The user profile could not be fetched' },
});

/** A "Sign in with …" error code, such as `BASALT_AUTH_OIDC_STATE_MISMATCH`. */
export type OidcErrorCode = keyof typeof OIDC_ERROR_CODES;

/** Options for {@link OidcLoginError}. */
export interface OidcLoginErrorOptions extends BasaltErrorOptions {
  /** The OAuth `error` the provider sent (`access_denied`, `invalid_grant`, …), when there was one. */
  providerError?: string;
}

/**
 * A "Sign in with …" login failed. `code` says which step (see {@link OIDC_ERROR_CODES});
 * `providerError` carries the provider's OAuth error code when it sent one. Messages never
 * contain tokens, codes or secrets.
 */
export class OidcLoginError extends BasaltError {
  declare readonly code: OidcErrorCode;
  readonly providerError: string | undefined;

  constructor(code: OidcErrorCode, message?: string, options: OidcLoginErrorOptions = {}) {
    const { providerError, ...rest } = options;
    super(code, message, rest);
    this.providerError = providerError;
  }
}
