import { BasaltError, defineApp } from 'basalt';
import { get, t } from 'basalt/http';
import { createTestClient } from 'basalt/testing';
import { page, trustedHtml, views } from 'basalt/views';
import { describe, expect, it } from 'vitest';

const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

describe('error pages', () => {
  it("renders Basalt's own page when the app gives none, escaping what the request put in it", async () => {
    const app = defineApp({
      name: 'plain',
      modules: [views()],
      routes: [
        page('/', {}, () => trustedHtml('<p>home</p>')),
        page('/fail', {}, () => {
          throw new BasaltError('BASALT_HTTP_BAD_REQUEST', '<script>alert(1)</script> is not a good idea');
        }),
        get('/api', { response: t.Object({ ok: t.Boolean() }) }, () => ({ ok: true })),
      ],
    });
    const client = await createTestClient(app);
    try {
      const res = await client.request({ method: 'GET', url: '/missing', headers: { accept: HTML } });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toMatch(/^<!DOCTYPE html><html lang="en">/);
      expect(res.text).toContain(
        '<h1>404 Not found</h1><p>The page you asked for does not exist or has moved.</p><p class="detail">Details: No route matches GET /missing</p>',
      );
      expect(res.text).toContain(`Request id: ${res.headers['x-request-id']}`);
      const fail = await client.request({ method: 'GET', url: '/fail', headers: { accept: HTML } });
      expect(fail.status).toBe(400);
      expect(fail.text).toContain('Details: &lt;script&gt;alert(1)&lt;/script&gt; is not a good idea</p>');
      expect(fail.text).not.toContain('<script>');
      const wrongMethod = await client.request({ method: 'DELETE', url: '/api', headers: { accept: HTML } });
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.text).toMatch(/<h1>405 Method not allowed<\/h1>/i);
      expect(wrongMethod.headers.allow).toBe('GET, HEAD');
    } finally {
      await client.close();
    }
  });

  it('shows the stack of a 500 in development only', async () => {
    const app = defineApp({
      name: 'crash',
      modules: [views()],
      routes: [
        page('/boom', {}, () => {
          throw new Error('kaboom <b>');
        }),
      ],
    });
    for (const [NODE_ENV, shown] of [
      ['development', true],
      ['production', false],
    ] as const) {
      const client = await createTestClient(app, {
        env: {
          NODE_ENV,
          SECRET_KEY: 'a-production-secret-key-of-enough-length-0123456789',
          ALLOWED_HOSTS: 'localhost',
        },
      });
      try {
        const res = await client.request({
          method: 'GET',
          url: '/boom',
          headers: { accept: HTML, host: 'localhost' },
        });
        expect(res.status, NODE_ENV).toBe(500);
        expect(res.text.includes('<pre>Error: kaboom &lt;b&gt;'), NODE_ENV).toBe(shown);
        expect(res.text.includes('kaboom'), NODE_ENV).toBe(shown);
      } finally {
        await client.close();
      }
    }
  });

  it('keeps problem+json for browsers in an app without views()', async () => {
    const app = defineApp({ name: 'api', routes: [page('/', {}, () => trustedHtml('<p>home</p>'))] });
    const client = await createTestClient(app);
    try {
      const res = await client.request({ method: 'GET', url: '/missing', headers: { accept: HTML } });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      const home = await client.request({ method: 'GET', url: '/', headers: { accept: HTML } });
      expect(home.text).toBe('<p>home</p>');
    } finally {
      await client.close();
    }
  });
});
