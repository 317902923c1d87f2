import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, SignJWT } from 'jose';

/**
 * A real OpenID Connect provider (panva's `oidc-provider`) for tests, on 127.0.0.1 with an
 * ephemeral port. Interactions (login, consent) are answered by this harness instead of
 * oidc-provider's development forms, so `driveLogin` can sign an account in without a browser.
 */

/** A client registered at the test provider (oidc-provider's client metadata, snake case). */
export interface TestOidcClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
}

/** An account of the test provider; its claims are released under the `email` and `profile` scopes. */
export interface TestOidcAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** Options of {@link startOidcProvider}. */
export interface StartOidcProviderOptions {
  clients: TestOidcClient[];
  /** Accounts by id (the id becomes `sub`). */
  accounts: Record<string, TestOidcAccount>;
  /** Put `email`/`name` into the ID token too; by default they are only at the userinfo endpoint. */
  claimsInIdToken?: boolean;
}

/** Makes the provider misbehave: rewrite the ID token of the next token responses. */
export interface IdTokenTamper {
  claims: (claims: Record<string, unknown>) => Record<string, unknown>;
  /** Re-sign with the provider's own key (a valid signature over wrong claims); else keep the old signature. */
  resign: boolean;
}

/** A running test provider. */
export interface RunningOidcProvider {
  issuer: string;
  /** Follows the authorization URL as a browser would, signs `accountId` in, consents, and returns the callback URL (never fetched). */
  driveLogin(authorizationUrl: URL | string, accountId: string, options?: { deny?: boolean }): Promise<URL>;
  /** From now on, rewrite ID tokens issued by the token endpoint; `undefined` restores honest behaviour. */
  tamperIdTokens(tamper: IdTokenTamper | undefined): void;
  close(): Promise<void>;
}

interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}

interface InteractionDetails {
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId?: string };
  grantId?: string;
}

interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: {
    new (init: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  };
}

type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

// oidc-provider ships no type declarations; a computed specifier keeps tsc from asking for them.
const PACKAGE: string = 'oidc-provider';

/**
 * Starts oidc-provider on 127.0.0.1:0 with PKCE required for every client.
 *
 * @example
 * const op = await startOidcProvider({
 *   clients: [{ client_id: 'app', client_secret: 's3cret', redirect_uris: ['http://127.0.0.1:3000/cb'] }],
 *   accounts: { alice: { email: 'alice@example.test', email_verified: true } },
 * });
 */
export async function startOidcProvider(options: StartOidcProviderOptions): Promise<RunningOidcProvider> {
  const { default: Provider } = (await import(PACKAGE)) as { default: ProviderConstructor };
  const jwk = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) };
  const signingJwk = { ...jwk, kid: 'test-key', alg: 'RS256', use: 'sig' };
  let tamper: IdTokenTamper | undefined;
  let provider: ProviderInstance | undefined;
  let providerHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server = createServer((req, res) => {
    const interaction = /^\/interaction\/([\w-]+)$/.exec(req.url ?? '');
    if (interaction && provider) {
      answerInteraction(provider, options.accounts, req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    if (tamper && req.method === 'POST' && req.url === '/token')
      rewriteTokenResponse(res, tamper, signingJwk);
    providerHandler?.(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  provider = new Provider(issuer, {
    clients: options.clients.map((client) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...client,
    })),
    jwks: { keys: [signingJwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: !options.claimsInIdToken,
    findAccount: async (_ctx: unknown, id: string) => {
      const account = options.accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
  });
  providerHandler = provider.callback();

  return {
    issuer,
    driveLogin: (url, accountId, driveOptions) =>
      driveLogin(issuer, new URL(url), accountId, driveOptions?.deny),
    tamperIdTokens: (next) => {
      tamper = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function answerInteraction(
  provider: ProviderInstance,
  accounts: Record<string, TestOidcAccount>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (req.method !== 'POST') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ prompt: details.prompt.name }));
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  if (form.get('abort')) {
    const denied = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    await provider.interactionFinished(req, res, denied, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'login') {
    const accountId = form.get('login') ?? '';
    if (!(accountId in accounts)) {
      res.statusCode = 400;
      res.end(`unknown account ${accountId}`);
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  // Consent, as oidc-provider's development interactions grant it: everything asked for.
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({
      accountId: details.session?.accountId ?? '',
      clientId: String(details.params.client_id),
    });
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {}))
    grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Koa answers the token endpoint with a single res.end(json); rewrite the id_token in it.
function rewriteTokenResponse(
  res: ServerResponse,
  tamper: IdTokenTamper,
  jwk: Record<string, unknown>,
): void {
  const end = res.end.bind(res) as (body?: string | Buffer) => ServerResponse;
  const replaced = (body?: string | Buffer) => {
    void (async () => {
      const json = JSON.parse(String(body)) as Record<string, unknown>;
      if (typeof json.id_token === 'string') {
        const [header = '', payload = '', signature = ''] = json.id_token.split('.');
        const claims = tamper.claims(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
        if (tamper.resign) {
          const key = await importJWK(jwk, 'RS256');
          const protectedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
          json.id_token = await new SignJWT(claims).setProtectedHeader(protectedHeader).sign(key);
        } else {
          json.id_token = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
        }
      }
      const text = JSON.stringify(json);
      res.setHeader('content-length', Buffer.byteLength(text));
      end(text);
    })();
    return res;
  };
  res.end = replaced as typeof res.end;
}

/** A browser without a screen: follows redirects with a cookie jar and answers the interactions. */
async function driveLogin(issuer: string, start: URL, accountId: string, deny = false): Promise<URL> {
  const origin = new URL(issuer).origin;
  const cookies = new Map<string, string>();
  let url = start;
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.origin !== origin) return url;
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: form.toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line) || value === '')
        cookies.delete(name);
      else cookies.set(name, value);
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location)
      throw new Error(`driveLogin: ${response.status} at ${url.pathname}: ${await response.text()}`);
    await response.body?.cancel();
    url = new URL(location, url);
    form =
      url.origin === origin && url.pathname.startsWith('/interaction/')
        ? new URLSearchParams(deny ? { abort: '1' } : { login: accountId })
        : undefined;
  }
  throw new Error('driveLogin: too many redirects');
}
