import { randomBytes } from 'node:crypto';
import { defineApp } from 'basalt';
import { auth, defineOidcProvider } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { seed } from '../../examples/bookshop/seed.js';
import { hostName, isAllowedHost } from '../../src/http/allowed-hosts.js';
import { startOidcProvider } from '../support/oidc-provider.js';

const SECRET_KEY = randomBytes(32).toString('base64url');

interface Page {
  next: string | null;
  results: unknown[];
}

let client: TestClient<typeof bookshop.routes> | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function shop(env: Record<string, string>): Promise<TestClient<typeof bookshop.routes>> {
  client = await createTestClient(bookshop, { env: { SECRET_KEY, ...env } });
  await seed(client.app.db!);
  return client;
}

const books = (
  c: TestClient<typeof bookshop.routes>,
  headers: Record<string, string>,
  remoteAddress?: string,
) =>
  c.request({
    method: 'GET',
    url: '/api/books?pageSize=2',
    headers,
    ...(remoteAddress ? { remoteAddress } : {}),
  });

describe('host names', () => {
  it('strips the port and a trailing dot, lower-cases, and refuses malformed hosts', () => {
    expect(hostName('API.Shop.test:8443')).toBe('api.shop.test');
    expect(hostName('shop.test.')).toBe('shop.test');
    expect(hostName('[::1]:3000')).toBe('[::1]');
    for (const bad of ['shop.test@evil.test', 'evil.test/x', 'a b', '', 'shop.test:port', 'é.test'])
      expect(hostName(bad)).toBeUndefined();
  });

  it("matches Django's patterns: exact, .domain for it and its subdomains, *", () => {
    expect(isAllowedHost('shop.test', ['shop.test'])).toBe(true);
    expect(isAllowedHost('api.shop.test', ['shop.test'])).toBe(false);
    expect(isAllowedHost('api.shop.test', ['.shop.test'])).toBe(true);
    expect(isAllowedHost('shop.test', ['.shop.test'])).toBe(true);
    expect(isAllowedHost('evilshop.test', ['.shop.test'])).toBe(false);
    expect(isAllowedHost('anything.test', ['*'])).toBe(true);
  });
});

describe('ALLOWED_HOSTS in production', () => {
  it('answers another Host with 400 problem+json, and its own hosts normally', async () => {
    const c = await shop({ NODE_ENV: 'production', ALLOWED_HOSTS: '.shop.test' });
    const evil = await books(c, { host: 'evil.test' });
    expect(evil.status).toBe(400);
    expect(evil.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(evil.problem).toMatchObject({ code: 'BASALT_HTTP_BAD_REQUEST' });
    expect(evil.problem?.detail).toContain('ALLOWED_HOSTS');
    expect(evil.headers['x-request-id']).toEqual(expect.any(String));
    expect((await books(c, { host: 'evilshop.test' })).status).toBe(400);
    expect((await books(c, { host: 'shop.test@evil.test' })).status).toBe(400);
    expect((await books(c, { host: 'api.shop.test:443' })).status).toBe(200);
    expect((await books(c, { host: 'shop.test' })).status).toBe(200);
    // Load balancers probe health by address.
    expect(
      (await c.request({ method: 'GET', url: '/health/live', headers: { host: '10.1.2.3' } })).status,
    ).toBe(200);
  });

  it('accepts only loopback and the PUBLIC_URL host when ALLOWED_HOSTS is empty', async () => {
    const c = await shop({ NODE_ENV: 'production', PUBLIC_URL: 'https://books.example.com' });
    expect((await books(c, { host: 'evil.test' })).status).toBe(400);
    expect((await books(c, { host: 'localhost:3000' })).status).toBe(200);
    expect((await books(c, { host: '127.0.0.1' })).status).toBe(200);
    expect((await books(c, { host: 'books.example.com' })).status).toBe(200);
  });

  it('validates X-Forwarded-Host only when TRUST_PROXY is on, and ignores it otherwise', async () => {
    const trusting = await shop({
      NODE_ENV: 'production',
      ALLOWED_HOSTS: 'api.shop.test',
      TRUST_PROXY: 'true',
    });
    expect((await books(trusting, { host: 'api.shop.test', 'x-forwarded-host': 'evil.test' })).status).toBe(
      400,
    );
    const forwarded = await books(trusting, {
      host: '10.0.0.5',
      'x-forwarded-host': 'api.shop.test',
      'x-forwarded-proto': 'https',
    });
    expect(forwarded.status).toBe(200);
    expect((forwarded.body as Page).next).toMatch(/^https:\/\/api\.shop\.test\/api\/books\?/);
    await trusting.close();

    const direct = await shop({ NODE_ENV: 'production', ALLOWED_HOSTS: 'api.shop.test' });
    const ignored = await books(direct, { host: 'api.shop.test', 'x-forwarded-host': 'evil.test' });
    expect(ignored.status).toBe(200);
    expect((ignored.body as Page).next).toMatch(/^http:\/\/api\.shop\.test\/api\/books\?/);
  });
});

describe('absolute URLs', () => {
  it('no longer reflects Host: evil.test into pagination links once PUBLIC_URL is set', async () => {
    const c = await shop({ PUBLIC_URL: 'https://books.example.com/' });
    const page = await books(c, { host: 'evil.test' });
    expect(page.status).toBe(200);
    const next = (page.body as Page).next;
    expect(next).toMatch(/^https:\/\/books\.example\.com\/api\/books\?/);
    expect(next).not.toContain('evil.test');
    expect(new URL(next!).searchParams.get('pageSize')).toBe('2');
  });

  it('keeps a path prefix of PUBLIC_URL (an app mounted under /shop by the proxy)', async () => {
    const c = await shop({ PUBLIC_URL: 'https://example.com/shop' });
    expect(((await books(c, {})).body as Page).next).toMatch(/^https:\/\/example\.com\/shop\/api\/books\?/);
  });

  it('refuses a PUBLIC_URL that is not an http(s) URL', async () => {
    for (const bad of ['books.example.com', 'ftp://books.example.com', 'https://books.example.com?x=1']) {
      const error = await createTestClient(bookshop, { env: { PUBLIC_URL: bad } }).then(
        (created) => created.close(),
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: 'BASALT_CONFIG_INVALID' });
      expect(String((error as Error).message)).toContain('PUBLIC_URL');
    }
  });

  it('builds the OIDC callback URL (redirect_uri) from PUBLIC_URL, not from Host', async () => {
    const callback = 'https://books.example.com/shop/auth/oidc/local/callback';
    const op = await startOidcProvider({
      clients: [{ client_id: 'basalt-app', client_secret: 'app-secret', redirect_uris: [callback] }],
      accounts: {},
    });
    try {
      const app = defineApp({
        name: 'oidc-hosts',
        modules: [
          auth({
            oidc: {
              providers: [
                defineOidcProvider({
                  name: 'local',
                  issuer: op.issuer,
                  clientId: 'basalt-app',
                  clientSecret: 'app-secret',
                }),
              ],
            },
          }),
        ],
        routes: [],
      });
      const c = await createTestClient(app, { env: { PUBLIC_URL: 'https://books.example.com/shop' } });
      try {
        const start = await c.request({
          method: 'GET',
          url: '/auth/oidc/local/login',
          headers: { host: 'evil.test' },
        });
        expect(start.status).toBe(302);
        const location = new URL(String(start.headers.location));
        expect(location.searchParams.get('redirect_uri')).toBe(callback);
      } finally {
        await c.close();
      }
    } finally {
      await op.close();
    }
  });
});
