import { defineApp, get, t } from 'basalt';
import { createTestClient } from 'basalt/testing';
import { describe, expect, it } from 'vitest';

const routes = [get('/ping', { response: t.Object({ pong: t.Boolean() }) }, () => ({ pong: true }))] as const;

describe('HTTP defaults', () => {
  it('sends security headers on answers and on errors', async () => {
    const client = await createTestClient(defineApp({ routes }));
    for (const url of ['/ping', '/missing']) {
      const res = await client.request({ url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
    await client.close();
  });

  it('adds the document headers to HTML pages', async () => {
    const client = await createTestClient(defineApp({ routes }));
    const page = await client.request({ url: '/docs' });
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    await client.close();
  });

  it('adds HSTS in production', async () => {
    const client = await createTestClient(defineApp({ routes }), {
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: 'k3J9xQ2vLmP8wR5tY7uZ1aB4cD6eF0gHiJ-_sN',
        LOG_LEVEL: 'silent',
      },
    });
    expect((await client.request({ url: '/ping' })).headers['strict-transport-security']).toContain(
      'max-age=',
    );
    await client.close();
  });

  it('keeps CORS off by default', async () => {
    const client = await createTestClient(defineApp({ routes }));
    const res = await client.request({ url: '/ping', headers: { origin: 'https://evil.test' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await client.request({
      method: 'OPTIONS',
      url: '/ping',
      headers: { origin: 'https://evil.test', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(405);
    await client.close();
  });

  it('allows the configured origins only', async () => {
    const client = await createTestClient(defineApp({ routes }), {
      env: { CORS_ORIGINS: 'https://shop.test' },
    });
    const allowed = await client.request({ url: '/ping', headers: { origin: 'https://shop.test' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.test');
    const refused = await client.request({ url: '/ping', headers: { origin: 'https://evil.test' } });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await client.request({
      method: 'OPTIONS',
      url: '/ping',
      headers: { origin: 'https://shop.test', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('GET');
    await client.close();
  });

  it('answers HEAD for GET endpoints', async () => {
    const client = await createTestClient(defineApp({ routes }));
    const res = await client.request({ method: 'HEAD', url: '/ping' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    await client.close();
  });
});
