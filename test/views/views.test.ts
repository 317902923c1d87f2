import { getAuth } from 'basalt/auth';
import { createTestClient, type TestClient, type TestResponse } from 'basalt/testing';
import { page, trustedHtml } from 'basalt/views';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Note, shopApp } from './shop-app.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const ORIGIN = 'http://localhost';
const PASSWORD = 'correct horse battery staple';

describe('server-rendered pages', () => {
  let client: TestClient<typeof shopApp.routes>;
  beforeAll(async () => {
    client = await createTestClient(shopApp);
  });
  afterAll(() => client.close());

  const cookieOf = (res: TestResponse) => {
    const header = res.headers['set-cookie'];
    const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
    const line = lines.find((l) => l.startsWith('basalt_session='));
    return line ? line.slice(0, line.indexOf(';')) : undefined;
  };
  let seq = 0;
  async function signedIn(): Promise<{ cookie: string; token: string }> {
    seq += 1;
    const email = `reader${seq}@example.com`;
    await getAuth(client.app).createUser(client.db!, { email, password: PASSWORD });
    const login = await client.request({
      method: 'POST',
      url: '/auth/session/login',
      payload: { email, password: PASSWORD },
      headers: { origin: ORIGIN },
    });
    expect(login.status).toBe(204);
    const cookie = cookieOf(login)!;
    const form = await client.request({
      method: 'GET',
      url: '/notes/new',
      headers: { cookie, accept: HTML },
    });
    const token = /name="csrf_token" value="([^"]+)"/.exec(form.text)?.[1];
    expect(token).toBeDefined();
    return { cookie, token: token! };
  }
  const postForm = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    client.request({
      method: 'POST',
      url: '/notes/new',
      payload: new URLSearchParams(fields).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: ORIGIN,
        accept: HTML,
        ...headers,
      },
    });

  describe('escaping', () => {
    const PAYLOADS = [
      '<script>alert(1)</script>',
      '"><img src=x onerror=alert(1)>',
      "' onmouseover='alert(1)",
      '</title><script>alert(1)</script>',
      '&lt;already&gt; & <b>bold</b>',
    ];
    const URLS = [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
    ];

    it('escapes text and attribute values, and blocks script-running URLs', async () => {
      for (const title of PAYLOADS) await client.db!.create(Note, { title, link: '/ok', stars: 1 });
      for (const link of URLS) await client.db!.create(Note, { title: 'link', link, stars: 2 });
      await client.db!.create(Note, { title: 'fine', link: 'https://example.com/a?b=1&c=2', stars: 3 });
      const res = await client.request({ method: 'GET', url: '/notes', headers: { accept: HTML } });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
      // No markup a user typed survives: every < of a payload arrives as &lt;, every quote escaped.
      expect(res.text).not.toMatch(/<script|<img|<b>bold|<\/title><script/i);
      expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(res.text).toContain('title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
      expect(res.text).toContain('title="&#39; onmouseover=&#39;alert(1)"');
      expect(res.text).toContain('&amp;lt;already&amp;gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
      expect(res.text).not.toMatch(/href="\s*(javascript|data|vbscript|java\tscript)/i);
      expect(res.text.match(/href="about:invalid#blocked"/g)).toHaveLength(URLS.length);
      expect(res.text).toContain('href="https://example.com/a?b=1&amp;c=2"');
      expect(res.text).toContain('data-stars="3"');
    });

    it('writes trustedHtml() markup as it is, inside the layout', async () => {
      const res = await client.request({ method: 'GET', url: '/notes', headers: { accept: HTML } });
      expect(res.text).toContain('<footer id="trusted">&copy; <b>Shop</b></footer></main></body></html>');
      expect(res.text).toContain('<nav>Anonymous</nav>');
    });

    it('sends the page security headers', async () => {
      const res = await client.get('/notes');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });
  });

  describe('forms', () => {
    it('re-renders an invalid form with 400, its field errors and the values typed', async () => {
      const before = await client.db!.query(Note).count();
      const res = await postForm({ title: '', stars: '9' });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('<p class="error" id="title-error">Enter at least 1 character.</p>');
      expect(res.text).toContain('<p class="error" id="stars-error">Enter a value of at most 5.</p>');
      expect(res.text).toContain('<input name="stars" value="9">');
      expect(await client.db!.query(Note).count()).toBe(before);
    });

    it('keeps an escaped payload typed in a form', async () => {
      const res = await postForm({ title: '"><script>x</script>', stars: 'many' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
      expect(res.text).toContain('Enter a whole number.');
    });

    it('answers a form of another media type with 415, and a JSON client with problem+json', async () => {
      const res = await client.request({
        method: 'POST',
        url: '/notes/new',
        payload: { title: 'x' },
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(415);
      expect(res.problem?.code).toBe('BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE');
    });

    it('saves a valid form, redirects, and shows the flash message once', async () => {
      const { cookie, token } = await signedIn();
      const res = await postForm({ title: 'Dune', stars: '5', public: 'on', csrf_token: token }, { cookie });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/notes');
      expect(await client.db!.query(Note).where({ title: 'Dune' }).count()).toBe(1);
      const head = await client.request({ method: 'HEAD', url: '/notes', headers: { cookie, accept: HTML } });
      expect(head.status).toBe(200);
      const first = await client.request({ method: 'GET', url: '/notes', headers: { cookie, accept: HTML } });
      expect(first.text).toContain('<p class="flash success">Saved “Dune”.</p>');
      expect(first.text).toContain('Signed in as reader');
      const second = await client.request({
        method: 'GET',
        url: '/notes',
        headers: { cookie, accept: HTML },
      });
      expect(second.text).not.toContain('class="flash');
    });

    it('refuses a session form without its CSRF token, or with a wrong one, with 403 and writes nothing', async () => {
      const { cookie, token } = await signedIn();
      const other = await signedIn();
      const before = await client.db!.query(Note).count();
      for (const sent of [undefined, '', 'nope', other.token]) {
        const fields: Record<string, string> = { title: 'Forged', stars: '1' };
        if (sent !== undefined) fields.csrf_token = sent;
        const res = await postForm(fields, { cookie, accept: 'application/json' });
        expect(res.status, String(sent)).toBe(403);
        expect(res.problem?.code).toBe('BASALT_AUTH_CSRF_FAILED');
      }
      // A browser gets the error page; a form from another origin is refused before the token is read.
      const page = await postForm({ title: 'Forged', stars: '1' }, { cookie });
      expect(page.status).toBe(403);
      expect(page.text).toContain('<h1 id="status">Shop error 403</h1>');
      const crossSite = await postForm(
        { title: 'Forged', stars: '1', csrf_token: token },
        { cookie, origin: 'https://evil.test' },
      );
      expect(crossSite.status).toBe(403);
      expect(await client.db!.query(Note).count()).toBe(before);
    });

    it('answers malformed, oversized and unsupported form bodies with a 4xx naming the problem', async () => {
      const cases: { type?: string; payload?: string; status: number; code: string; detail: RegExp }[] = [
        {
          type: 'multipart/form-data',
          payload: 'x',
          status: 400,
          code: 'BASALT_HTTP_MALFORMED_BODY',
          detail: /multipart/i,
        },
        {
          type: 'multipart/form-data; boundary=abc',
          payload: '--abc\r\nContent-Disposition: form-data; name="title"\r\n\r\nunterminated',
          status: 400,
          code: 'BASALT_HTTP_MALFORMED_BODY',
          detail: /multipart/i,
        },
        {
          type: 'application/x-www-form-urlencoded',
          payload: `title=${'x'.repeat(1024 * 1024 + 1)}`,
          status: 413,
          code: 'BASALT_HTTP_PAYLOAD_TOO_LARGE',
          detail: /larger than 1048576 bytes/,
        },
        {
          type: 'text/plain',
          payload: 'title=x',
          status: 415,
          code: 'BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE',
          detail: /not text\/plain/,
        },
        { status: 415, code: 'BASALT_HTTP_UNSUPPORTED_MEDIA_TYPE', detail: /no Content-Type/ },
      ];
      const before = await client.db!.query(Note).count();
      for (const c of cases) {
        const res = await client.request({
          method: 'POST',
          url: '/notes/new',
          ...(c.payload === undefined ? {} : { payload: c.payload }),
          headers: { accept: 'application/json', ...(c.type ? { 'content-type': c.type } : {}) },
        });
        expect(res.status, c.type).toBe(c.status);
        expect(res.problem?.code, c.type).toBe(c.code);
        expect(res.problem?.detail, c.type).toMatch(c.detail);
      }
      expect(await client.db!.query(Note).count()).toBe(before);
    });

    it('refuses a form posted from another site without a session (login CSRF), and accepts its own', async () => {
      const before = await client.db!.query(Note).count();
      for (const origin of ['https://evil.test', 'null', 'http://localhost:8080']) {
        const res = await postForm({ title: 'Cross', stars: '1' }, { origin, accept: 'application/json' });
        expect(res.status, origin).toBe(403);
        expect(res.problem?.detail, origin).toMatch(/Origin checking failed/);
      }
      expect(await client.db!.query(Note).count()).toBe(before);
      const own = await postForm({ title: 'Own', stars: '1' }, { origin: ORIGIN });
      expect(own.status).toBe(303);
    });

    it('reads a multipart form as well', async () => {
      const { cookie, token } = await signedIn();
      const boundary = 'XyZ';
      const part = (name: string, value: string) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      const res = await client.request({
        method: 'POST',
        url: '/notes/new',
        payload: `${part('title', 'Multipart')}${part('stars', '2')}${part('csrf_token', token)}--${boundary}--\r\n`,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, origin: ORIGIN, cookie },
      });
      expect(res.status).toBe(303);
      expect(await client.db!.query(Note).where({ title: 'Multipart' }).count()).toBe(1);
    });
  });

  describe('redirects', () => {
    it('follows a path of the site', async () => {
      // Pages are endpoints of the typed test client too (GET, with their typed query).
      const res = await client.get('/go', { query: { next: '/notes?page=2' } });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/notes?page=2');
    });

    it('never follows a target off the site', async () => {
      for (const next of [
        '//evil.test',
        'https://evil.test',
        '/\\evil.test',
        'javascript:alert(1)',
        '/%2F%2Fevil.test',
        'http://localhost@evil.test',
        ' //evil.test',
      ]) {
        const res = await client.request({ method: 'GET', url: `/go?next=${encodeURIComponent(next)}` });
        expect(res.status, next).toBe(303);
        expect(res.headers.location, next).toBe('/notes');
      }
    });
  });

  describe('error pages', () => {
    it('renders the app error page for a browser and problem+json for an API client on the same app', async () => {
      const html = await client.request({ method: 'GET', url: '/missing', headers: { accept: HTML } });
      expect(html.status).toBe(404);
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(html.text).toContain('<h1 id="status">Shop error 404</h1>');
      expect(html.headers['x-frame-options']).toBe('DENY');
      expect(html.headers.vary).toBe('Accept');
      for (const accept of ['application/json', '*/*', 'application/json, text/html']) {
        const api = await client.request({ method: 'GET', url: '/missing', headers: { accept } });
        expect(api.status, accept).toBe(404);
        expect(api.headers['content-type'], accept).toBe('application/problem+json; charset=utf-8');
        expect(api.problem?.code).toBe('BASALT_HTTP_NOT_FOUND');
      }
    });

    it('renders a 500 without the error message, and a 401 for a page that needs a user', async () => {
      const boom = await client.request({ method: 'GET', url: '/boom', headers: { accept: HTML } });
      expect(boom.status).toBe(500);
      expect(boom.text).toContain('Shop error 500');
      expect(boom.text).not.toContain('kaboom');
      const denied = await client.request({ method: 'GET', url: '/private', headers: { accept: HTML } });
      expect(denied.status).toBe(401);
      expect(denied.text).toContain('Shop error 401');
    });

    it('redirects a signed-out visitor of a signIn page to sign in, with this page as next', async () => {
      const away = await client.request({
        method: 'GET',
        url: '/account?tab=a%26b',
        headers: { accept: HTML },
      });
      expect(away.status).toBe(303);
      expect(away.headers.location).toBe(`/signin?next=${encodeURIComponent('/account?tab=a%26b')}`);
      // An API client on the same page is sent there too: the page has no JSON answer to give.
      const api = await client.request({ method: 'GET', url: '/account' });
      expect(api.status).toBe(303);
      const { cookie } = await signedIn();
      const shown = await client.request({
        method: 'GET',
        url: '/account',
        headers: { cookie, accept: HTML },
      });
      expect(shown.status).toBe(200);
      expect(shown.text).toMatch(/signed in as \d+/);
      expect(() =>
        page('/x', { auth: 'required', signIn: '//evil.test/login' }, () => trustedHtml('')),
      ).toThrow(/signIn must be a path of this site/);
    });

    it('answers an invalid page query with a 400 page for a browser, problem+json for a client', async () => {
      const url = `/go?next=${'x'.repeat(300)}`;
      const page = await client.request({ method: 'GET', url, headers: { accept: HTML } });
      expect(page.status).toBe(400);
      expect(page.text).toContain('Shop error 400');
      const api = await client.request({ method: 'GET', url, headers: { accept: 'application/json' } });
      expect(api.status).toBe(400);
      expect(api.problem?.code).toBe('BASALT_VALIDATION_FAILED');
    });
  });
});
