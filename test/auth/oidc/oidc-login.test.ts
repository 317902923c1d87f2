import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  beginLogin,
  completeLogin,
  defineOidcProvider,
  type OidcLoginState,
  type OidcProvider,
} from '../../../src/auth/oidc/index.js';
import { type RunningOidcProvider, startOidcProvider } from '../../support/oidc-provider.js';

const REDIRECT_URI = 'http://127.0.0.1:3000/auth/oidc/local/callback';

let op: RunningOidcProvider;
let local: OidcProvider;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [
      { client_id: 'basalt-app', client_secret: 'app-secret', redirect_uris: [REDIRECT_URI] },
      { client_id: 'other-app', client_secret: 'other-secret', redirect_uris: [REDIRECT_URI] },
      {
        client_id: 'post-app',
        client_secret: 'post-secret',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    accounts: {
      alice: { email: 'alice@example.test', email_verified: true, name: 'Alice Liddell' },
      bob: { email: 'bob@example.test', email_verified: false },
      carol: {},
    },
  });
  local = defineOidcProvider({
    name: 'local',
    issuer: op.issuer,
    clientId: 'basalt-app',
    clientSecret: 'app-secret',
    redirectUri: REDIRECT_URI,
  });
});
afterAll(() => op.close());
afterEach(() => op.tamperIdTokens(undefined));

/** Begins a login and drives it through the provider as `account`. */
async function signIn(
  provider: OidcProvider,
  account: string,
): Promise<{ callbackUrl: URL; state: OidcLoginState }> {
  const { url, state } = await beginLogin(provider);
  return { callbackUrl: await op.driveLogin(url, account), state };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  throw new Error('expected a rejection');
}

describe('OIDC login against a real provider', () => {
  it('discovers the provider, signs in and returns the verified identity', async () => {
    const { url, state } = await beginLogin(local);
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).not.toBe(state.codeVerifier);
    expect(url.searchParams.get('state')).toBe(state.state);
    expect(url.searchParams.get('nonce')).toBe(state.nonce);
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);

    const callbackUrl = await op.driveLogin(url, 'alice');
    expect(callbackUrl.href.startsWith(REDIRECT_URI)).toBe(true);

    const identity = await completeLogin(local, { callbackUrl, state });
    expect(identity).toMatchObject({
      provider: 'local',
      subject: 'alice',
      email: 'alice@example.test',
      emailVerified: true,
      name: 'Alice Liddell',
    });
    expect(identity.claims.iss).toBe(op.issuer);
    expect(identity.claims.aud).toBe('basalt-app');
  });

  it('reports an unverified email as emailVerified false', async () => {
    const identity = await completeLogin(local, await signIn(local, 'bob'));
    expect(identity).toMatchObject({ subject: 'bob', email: 'bob@example.test', emailVerified: false });
  });

  it('reports an account without email as email null, not verified', async () => {
    const identity = await completeLogin(local, await signIn(local, 'carol'));
    expect(identity).toMatchObject({ subject: 'carol', email: null, emailVerified: false });
    expect(identity.name).toBeUndefined();
  });

  it('authenticates with client_secret_post when configured so', async () => {
    const post = defineOidcProvider({
      name: 'local-post',
      issuer: op.issuer,
      clientId: 'post-app',
      clientSecret: 'post-secret',
      redirectUri: REDIRECT_URI,
      clientAuthMethod: 'client_secret_post',
    });
    expect((await completeLogin(post, await signIn(post, 'alice'))).subject).toBe('alice');
  });

  it('refuses a callback whose state belongs to another login', async () => {
    const first = await signIn(local, 'alice');
    const second = await beginLogin(local);
    expect(await codeOf(completeLogin(local, { callbackUrl: first.callbackUrl, state: second.state }))).toBe(
      'BASALT_AUTH_OIDC_STATE_MISMATCH',
    );
  });

  it('refuses a callback without state, a stored state of another provider, and a malformed one', async () => {
    const { callbackUrl, state } = await signIn(local, 'alice');
    const stripped = new URL(callbackUrl);
    stripped.searchParams.delete('state');
    expect(await codeOf(completeLogin(local, { callbackUrl: stripped, state }))).toBe(
      'BASALT_AUTH_OIDC_STATE_MISMATCH',
    );
    expect(await codeOf(completeLogin(local, { callbackUrl, state: { ...state, provider: 'google' } }))).toBe(
      'BASALT_AUTH_OIDC_STATE_MISMATCH',
    );
    for (const bad of [undefined, null, 'state', { ...state, codeVerifier: 42 }])
      expect(await codeOf(completeLogin(local, { callbackUrl, state: bad }))).toBe(
        'BASALT_AUTH_OIDC_STATE_MISMATCH',
      );
  });

  it('refuses a login older than maxAgeMs', async () => {
    const { callbackUrl, state } = await signIn(local, 'alice');
    const old = { ...state, createdAt: Date.now() - 11 * 60 * 1000 };
    expect(await codeOf(completeLogin(local, { callbackUrl, state: old }))).toBe(
      'BASALT_AUTH_OIDC_STATE_EXPIRED',
    );
    expect(await codeOf(completeLogin(local, { callbackUrl, state, maxAgeMs: -1 }))).toBe(
      'BASALT_AUTH_OIDC_STATE_EXPIRED',
    );
  });

  it('reports the provider error when the user denies the login', async () => {
    const { url, state } = await beginLogin(local);
    const callbackUrl = await op.driveLogin(url, 'alice', { deny: true });
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');
    const error = await completeLogin(local, { callbackUrl, state }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BASALT_AUTH_OIDC_PROVIDER_ERROR',
      status: 400,
      providerError: 'access_denied',
      message: 'The provider refused the login (access_denied)',
    });
  });

  it('refuses a callback that carries neither code nor error', async () => {
    const { callbackUrl, state } = await signIn(local, 'alice');
    const noCode = new URL(callbackUrl);
    noCode.searchParams.delete('code');
    expect(await codeOf(completeLogin(local, { callbackUrl: noCode, state }))).toBe(
      'BASALT_AUTH_OIDC_INVALID_CALLBACK',
    );
  });

  it('refuses a callback whose iss names another issuer', async () => {
    const { callbackUrl, state } = await signIn(local, 'alice');
    expect(callbackUrl.searchParams.get('iss')).toBe(op.issuer);
    const forged = new URL(callbackUrl);
    forged.searchParams.set('iss', 'https://evil.example');
    expect(await codeOf(completeLogin(local, { callbackUrl: forged, state }))).toBe(
      'BASALT_AUTH_OIDC_INVALID_CALLBACK',
    );
  });

  it('fails the exchange when the PKCE verifier is not the one of this login', async () => {
    const { callbackUrl, state } = await signIn(local, 'alice');
    const other = await beginLogin(local);
    const error = await completeLogin(local, {
      callbackUrl,
      state: { ...state, codeVerifier: other.state.codeVerifier },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BASALT_AUTH_OIDC_EXCHANGE_FAILED',
      status: 502,
      providerError: 'invalid_grant',
    });
  });

  it('fails the exchange when a code is used twice', async () => {
    const login = await signIn(local, 'alice');
    await completeLogin(local, login);
    expect(await codeOf(completeLogin(local, login))).toBe('BASALT_AUTH_OIDC_EXCHANGE_FAILED');
  });

  it('fails the exchange when a code issued to one client is redeemed by another', async () => {
    const other = defineOidcProvider({
      name: 'local',
      issuer: op.issuer,
      clientId: 'other-app',
      clientSecret: 'other-secret',
      redirectUri: REDIRECT_URI,
    });
    const login = await signIn(local, 'alice');
    expect(await codeOf(completeLogin(other, login))).toBe('BASALT_AUTH_OIDC_EXCHANGE_FAILED');
  });

  it('fails the exchange with a wrong client secret', async () => {
    const wrong = defineOidcProvider({
      name: 'local',
      issuer: op.issuer,
      clientId: 'basalt-app',
      clientSecret: 'not-the-secret',
      redirectUri: REDIRECT_URI,
    });
    const error = await completeLogin(wrong, await signIn(wrong, 'alice')).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BASALT_AUTH_OIDC_EXCHANGE_FAILED',
      providerError: 'invalid_client',
    });
  });
});

describe('ID token validation', () => {
  it('refuses an ID token whose nonce is not the one of this login', async () => {
    const { callbackUrl, state } = await signIn(local, 'alice');
    const other = await beginLogin(local);
    expect(
      await codeOf(completeLogin(local, { callbackUrl, state: { ...state, nonce: other.state.nonce } })),
    ).toBe('BASALT_AUTH_OIDC_ID_TOKEN_INVALID');
  });

  it('refuses a correctly signed ID token for another audience', async () => {
    op.tamperIdTokens({ claims: (claims) => ({ ...claims, aud: 'other-app' }), resign: true });
    const error = await completeLogin(local, await signIn(local, 'alice')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BASALT_AUTH_OIDC_ID_TOKEN_INVALID', status: 502 });
    expect((error as Error).message).toMatch(/aud/);
  });

  it('refuses a correctly signed ID token from another issuer', async () => {
    op.tamperIdTokens({ claims: (claims) => ({ ...claims, iss: 'https://evil.example' }), resign: true });
    const error = await completeLogin(local, await signIn(local, 'alice')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BASALT_AUTH_OIDC_ID_TOKEN_INVALID' });
    expect((error as Error).message).toMatch(/iss/);
  });

  it('refuses an ID token whose claims were altered after signing', async () => {
    op.tamperIdTokens({ claims: (claims) => ({ ...claims, sub: 'mallory' }), resign: false });
    const error = await completeLogin(local, await signIn(local, 'alice')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BASALT_AUTH_OIDC_ID_TOKEN_INVALID' });
    expect((error as Error).message).toMatch(/signature/);
  });

  it('refuses an expired ID token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    op.tamperIdTokens({ claims: (claims) => ({ ...claims, iat: past - 600, exp: past }), resign: true });
    expect(await codeOf(completeLogin(local, await signIn(local, 'alice')))).toBe(
      'BASALT_AUTH_OIDC_ID_TOKEN_INVALID',
    );
  });
});

describe('discovery and configuration', () => {
  it('fails discovery when nothing answers at the issuer', async () => {
    const closed = await startOidcProvider({ clients: [], accounts: {} });
    await closed.close();
    const gone = defineOidcProvider({
      name: 'gone',
      issuer: closed.issuer,
      clientId: 'x',
      clientSecret: 'y',
      redirectUri: REDIRECT_URI,
    });
    expect(await codeOf(beginLogin(gone))).toBe('BASALT_AUTH_OIDC_DISCOVERY_FAILED');
  });

  it('fails discovery when the metadata names another issuer', async () => {
    const alias = defineOidcProvider({
      name: 'alias',
      issuer: op.issuer.replace('127.0.0.1', 'localhost'),
      clientId: 'basalt-app',
      clientSecret: 'app-secret',
      redirectUri: REDIRECT_URI,
    });
    expect(await codeOf(beginLogin(alias))).toBe('BASALT_AUTH_OIDC_DISCOVERY_FAILED');
  });

  it('refuses plain http issuers other than loopback, and other bad settings, at definition', () => {
    const base = { name: 'acme', clientId: 'id', clientSecret: 'secret' };
    expect(() => defineOidcProvider({ ...base, issuer: 'http://login.acme.example' })).toThrow(
      expect.objectContaining({ code: 'BASALT_CONFIG_INVALID' }),
    );
    expect(() =>
      defineOidcProvider({ ...base, issuer: 'https://login.acme.example', name: 'Acme SSO' }),
    ).toThrow(expect.objectContaining({ code: 'BASALT_CONFIG_INVALID' }));
    expect(() =>
      defineOidcProvider({ ...base, issuer: 'https://login.acme.example', clientSecret: '' }),
    ).toThrow(expect.objectContaining({ code: 'BASALT_CONFIG_INVALID' }));
    const acme = defineOidcProvider({ ...base, issuer: 'https://login.acme.example', scopes: ['email'] });
    expect(acme).toMatchObject({ protocol: 'oidc', scopes: ['openid', 'email'], redirectUri: undefined });
    expect(JSON.stringify(acme)).not.toContain('secret');
  });

  it('needs a redirect URI from the provider or from beginLogin', async () => {
    const bare = defineOidcProvider({
      name: 'bare',
      issuer: op.issuer,
      clientId: 'basalt-app',
      clientSecret: 's',
    });
    expect(await codeOf(beginLogin(bare))).toBe('BASALT_CONFIG_INVALID');
    const { url, state } = await beginLogin(bare, { redirectUri: REDIRECT_URI, params: { prompt: 'login' } });
    expect(state.redirectUri).toBe(REDIRECT_URI);
    expect(url.searchParams.get('prompt')).toBe('login');
  });

  it('refuses objects that were not made by a provider factory', async () => {
    const fake = { ...local };
    expect(await codeOf(beginLogin(fake))).toBe('BASALT_CONFIG_INVALID');
  });
});

describe('a provider that puts the email into the ID token', () => {
  it('reads email and email_verified from the ID token', async () => {
    const op2 = await startOidcProvider({
      clients: [{ client_id: 'app', client_secret: 'secret', redirect_uris: [REDIRECT_URI] }],
      accounts: { dana: { email: 'dana@example.test', email_verified: true } },
      claimsInIdToken: true,
    });
    try {
      const provider = defineOidcProvider({
        name: 'op2',
        issuer: op2.issuer,
        clientId: 'app',
        clientSecret: 'secret',
        redirectUri: REDIRECT_URI,
      });
      const { url, state } = await beginLogin(provider);
      const identity = await completeLogin(provider, {
        callbackUrl: await op2.driveLogin(url, 'dana'),
        state,
      });
      expect(identity).toMatchObject({ subject: 'dana', email: 'dana@example.test', emailVerified: true });
      expect(identity.claims.nonce).toBe(state.nonce);
    } finally {
      await op2.close();
    }
  });
});
