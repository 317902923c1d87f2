import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  beginLogin,
  completeLogin,
  githubProvider,
  googleProvider,
  type OidcProvider,
} from '../../../src/auth/oidc/index.js';

// A stand-in for GitHub's OAuth and REST API, speaking their shapes: the token endpoint answers
// 200 with `{ error }` on a bad code, as GitHub does; /user and /user/emails need the bearer token.
interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  visibility: string | null;
}
interface GithubAccount {
  user: { id: number; login: string; name: string | null; email: string | null };
  emails: GithubEmail[];
}

const CLIENT = { clientId: 'Iv1.test', clientSecret: 'gh-secret' };
const REDIRECT_URI = 'http://127.0.0.1:3000/auth/oidc/github/callback';
const accounts: Record<string, GithubAccount> = {
  octocat: {
    user: { id: 583231, login: 'octocat', name: 'The Octocat', email: null },
    emails: [
      { email: 'octo@old.example', primary: false, verified: true, visibility: null },
      { email: 'octocat@github.test', primary: true, verified: true, visibility: 'public' },
    ],
  },
  unverified: {
    user: { id: 42, login: 'unverified', name: null, email: null },
    emails: [
      { email: 'other@verified.example', primary: false, verified: true, visibility: null },
      { email: 'new@github.test', primary: true, verified: false, visibility: 'private' },
    ],
  },
};

let server: Server;
let base: string;
let nextLogin = 'octocat';
let apiBroken = false;
const codes = new Map<string, { login: string; challenge: string; redirectUri: string }>();
const tokens = new Map<string, string>();

function json(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/login/oauth/authorize') {
      const code = randomUUID();
      codes.set(code, {
        login: nextLogin,
        challenge: url.searchParams.get('code_challenge') ?? '',
        redirectUri: url.searchParams.get('redirect_uri') ?? '',
      });
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      res.end();
      return;
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      let text = '';
      for await (const chunk of req) text += chunk;
      const form = new URLSearchParams(text);
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (form.get('client_id') !== CLIENT.clientId || form.get('client_secret') !== CLIENT.clientSecret)
        return json(res, 200, { error: 'incorrect_client_credentials' });
      if (!grant || grant.challenge !== challenge || grant.redirectUri !== form.get('redirect_uri'))
        return json(res, 200, {
          error: 'bad_verification_code',
          error_description: 'The code passed is incorrect or expired.',
        });
      const token = `gho_${randomUUID()}`;
      tokens.set(token, grant.login);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const login = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!login || apiBroken) return json(res, 401, { message: 'Bad credentials' });
    const account = accounts[login]!;
    if (url.pathname === '/user') return json(res, 200, account.user);
    if (url.pathname === '/user/emails') return json(res, 200, account.emails);
    json(res, 404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function github(overrides: Partial<typeof CLIENT> = {}): OidcProvider {
  return githubProvider({
    ...CLIENT,
    ...overrides,
    redirectUri: REDIRECT_URI,
    endpoints: {
      authorization: `${base}/login/oauth/authorize`,
      token: `${base}/login/oauth/access_token`,
      user: `${base}/user`,
      emails: `${base}/user/emails`,
    },
  });
}

/** The browser's part: follow the authorize redirect to the callback URL (never fetched). */
async function authorize(url: URL): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual' });
  return new URL(response.headers.get('location') ?? '');
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  throw new Error('expected a rejection');
}

describe('githubProvider', () => {
  it('signs in with PKCE and reads the verified primary email', async () => {
    const provider = github();
    nextLogin = 'octocat';
    const { url, state } = await beginLogin(provider);
    expect(url.searchParams.get('scope')).toBe('read:user user:email');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.has('nonce')).toBe(false);
    const identity = await completeLogin(provider, { callbackUrl: await authorize(url), state });
    expect(identity).toMatchObject({
      provider: 'github',
      subject: '583231',
      email: 'octocat@github.test',
      emailVerified: true,
      name: 'The Octocat',
    });
    expect(identity.claims.login).toBe('octocat');
  });

  it('reports an unverified primary email as not verified, ignoring verified secondary ones', async () => {
    const provider = github();
    nextLogin = 'unverified';
    const { url, state } = await beginLogin(provider);
    const identity = await completeLogin(provider, { callbackUrl: await authorize(url), state });
    expect(identity).toMatchObject({
      subject: '42',
      email: 'new@github.test',
      emailVerified: false,
      name: 'unverified',
    });
  });

  it('fails the exchange when GitHub answers 200 with an error (wrong PKCE verifier)', async () => {
    const provider = github();
    const { url, state } = await beginLogin(provider);
    const other = await beginLogin(provider);
    const callbackUrl = await authorize(url);
    expect(
      await codeOf(
        completeLogin(provider, { callbackUrl, state: { ...state, codeVerifier: other.state.codeVerifier } }),
      ),
    ).toBe('BASALT_AUTH_OIDC_EXCHANGE_FAILED');
  });

  it('fails the exchange with a wrong client secret', async () => {
    const provider = github({ clientSecret: 'wrong' });
    const { url, state } = await beginLogin(provider);
    expect(await codeOf(completeLogin(provider, { callbackUrl: await authorize(url), state }))).toBe(
      'BASALT_AUTH_OIDC_EXCHANGE_FAILED',
    );
  });

  it('refuses a callback whose state belongs to another login', async () => {
    const provider = github();
    const first = await beginLogin(provider);
    const second = await beginLogin(provider);
    expect(
      await codeOf(completeLogin(provider, { callbackUrl: await authorize(first.url), state: second.state })),
    ).toBe('BASALT_AUTH_OIDC_STATE_MISMATCH');
  });

  it('reports the provider error when the user cancels on GitHub', async () => {
    const provider = github();
    const { state } = await beginLogin(provider);
    const callbackUrl = new URL(REDIRECT_URI);
    callbackUrl.searchParams.set('error', 'access_denied');
    callbackUrl.searchParams.set('error_description', 'The user has denied your application access.');
    callbackUrl.searchParams.set('state', state.state);
    expect(await completeLogin(provider, { callbackUrl, state }).catch((e: unknown) => e)).toMatchObject({
      code: 'BASALT_AUTH_OIDC_PROVIDER_ERROR',
      providerError: 'access_denied',
    });
  });

  it('fails with USERINFO_FAILED when the user API refuses the token', async () => {
    const provider = github();
    const { url, state } = await beginLogin(provider);
    const callbackUrl = await authorize(url);
    apiBroken = true;
    try {
      expect(await codeOf(completeLogin(provider, { callbackUrl, state }))).toBe(
        'BASALT_AUTH_OIDC_USERINFO_FAILED',
      );
    } finally {
      apiBroken = false;
    }
  });

  it('defaults to GitHub’s public endpoints and refuses plain http elsewhere than loopback', () => {
    const real = githubProvider(CLIENT);
    expect(real).toMatchObject({ name: 'github', protocol: 'oauth2', issuer: 'https://github.com' });
    expect(() =>
      githubProvider({ ...CLIENT, endpoints: { token: 'http://github.internal/login/oauth/access_token' } }),
    ).toThrow(expect.objectContaining({ code: 'BASALT_CONFIG_INVALID' }));
  });
});

describe('googleProvider', () => {
  it('is an OIDC provider with the issuer https://accounts.google.com', () => {
    // Only the configuration: tests never talk to Google.
    expect(googleProvider(CLIENT)).toMatchObject({
      name: 'google',
      protocol: 'oidc',
      issuer: 'https://accounts.google.com',
      clientId: CLIENT.clientId,
      scopes: ['openid', 'email', 'profile'],
    });
  });
});
