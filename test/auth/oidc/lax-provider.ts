import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';

/**
 * A minimal OpenID Connect provider under the test's control, on 127.0.0.1: it asserts
 * whatever claims the test gives, and — unlike a conforming provider — exchanges the same
 * authorization code as often as it is presented (the "lax provider" of a replay attack).
 */
export interface LaxProvider {
  issuer: string;
  /** Plays the browser at the provider: the callback URL for `claims` (never fetched). */
  authorize(authorizationUrl: string, claims: Record<string, unknown> & { sub: string }): URL;
  /** How many times the token endpoint answered with tokens. */
  readonly exchanges: number;
  close(): Promise<void>;
}

interface Grant {
  nonce: string | null;
  clientId: string;
  claims: Record<string, unknown>;
}

export async function startLaxProvider(): Promise<LaxProvider> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'lax-1', alg: 'ES256', use: 'sig' };
  const grants = new Map<string, Grant>();
  let exchanges = 0;
  let issuer = '';

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', issuer);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration')
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
      });
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/token' && request.method === 'POST') {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', async () => {
        const params = new URLSearchParams(body);
        const grant = grants.get(params.get('code') ?? '');
        // The lax part: the grant is never marked used.
        if (!grant) return json(400, { error: 'invalid_grant' });
        exchanges += 1;
        const idToken = await new SignJWT({
          ...grant.claims,
          ...(grant.nonce === null ? {} : { nonce: grant.nonce }),
        })
          .setProtectedHeader({ alg: 'ES256', kid: 'lax-1' })
          .setIssuer(issuer)
          .setAudience(grant.clientId)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
        json(200, {
          access_token: randomBytes(16).toString('hex'),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
        });
      });
      return undefined;
    }
    return json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    authorize(authorizationUrl, claims) {
      const request = new URL(authorizationUrl);
      const code = randomBytes(16).toString('hex');
      grants.set(code, {
        nonce: request.searchParams.get('nonce'),
        clientId: request.searchParams.get('client_id') ?? '',
        claims,
      });
      const callback = new URL(request.searchParams.get('redirect_uri') ?? '');
      callback.searchParams.set('code', code);
      callback.searchParams.set('state', request.searchParams.get('state') ?? '');
      return callback;
    },
    get exchanges() {
      return exchanges;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
