export {
  OIDC_ERROR_CODES,
  type OidcErrorCode,
  OidcLoginError,
  type OidcLoginErrorOptions,
} from './errors.js';
export { type GithubEndpoints, type GithubProviderOptions, githubProvider } from './github.js';
export { type GoogleProviderOptions, googleProvider } from './google.js';
export {
  type BeginLoginOptions,
  type BeginLoginResult,
  beginLogin,
  type CompleteLoginOptions,
  completeLogin,
  type OidcLoginState,
} from './login.js';
export {
  type ClientAuthMethod,
  defineOidcProvider,
  type OidcEmailLinking,
  type OidcIdentity,
  type OidcProvider,
  type OidcProviderOptions,
} from './provider.js';
