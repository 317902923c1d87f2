// GraphiQL on GET /graphql outside production: the real graphiql application and React,
// served from the installed packages under hashed names (no CDN: every request of the page
// stays on the app), under a Content-Security-Policy the page runs with. In Chromium: the
// page loads, a query typed into GraphiQL runs, and its answer is shown; a signed-in user's
// subscription runs over the WebSocket transport and shows a change.
import { type AuthUser, getAuth } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Book } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';
import { hasChromium, launchBrowser } from '../support/browser.js';

describe('GraphiQL', () => {
  let client: TestClient<typeof bookshop.routes>;
  let browser: Browser | undefined;
  let base: string;

  beforeAll(async () => {
    client = await createTestClient(bookshop);
    await seed(client.app.db!);
    base = (await client.app.listen({ port: 0, host: '127.0.0.1' })).url;
    if (hasChromium) browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await client?.close();
  });

  const page = () =>
    client.app.fastify.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });

  it('serves the graphiql package and React under hashed names, with long cache headers', async () => {
    const res = await page();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-eval');
    const files = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(files.map((f) => f.replace(/\.[\w-]{12}\./, '.*.'))).toEqual([
      '/graphql/assets/graphiql-css.*.css',
      '/graphql/assets/react.*.js',
      '/graphql/assets/react-dom.*.js',
      '/graphql/assets/graphiql.*.js',
      '/graphql/assets/start.*.js',
    ]);
    for (const file of files) {
      const asset = await client.app.fastify.inject({ method: 'GET', url: file });
      expect(asset.statusCode, file).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.headers['content-type']).toMatch(
        file.endsWith('.css') ? /^text\/css/ : /^text\/javascript/,
      );
    }
    const graphiql = await client.app.fastify.inject({ method: 'GET', url: files[3]! });
    expect(graphiql.body.length).toBeGreaterThan(1_000_000);
  });

  it('answers 404 for a file it does not serve', async () => {
    for (const url of [
      '/graphql/assets/graphiql.js',
      '/graphql/assets/..%2Fpackage.json',
      '/graphql/assets/x',
    ]) {
      const res = await client.app.fastify.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it.skipIf(!hasChromium)(
    'loads GraphiQL under its CSP, runs a query typed in, and shows the answer',
    { timeout: 60_000 },
    async () => {
      // The page's own CSP applies (not bypassed): a violation would stop the app.
      const context = await browser!.newContext({ baseURL: base });
      const elsewhere: string[] = [];
      const problems: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(base)) return route.continue();
        elsewhere.push(url);
        return route.abort();
      });
      const tab = await context.newPage();
      tab.on('pageerror', (error) => problems.push(error.message));
      tab.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      try {
        await tab.goto('/graphql');
        await tab.locator('.graphiql-query-editor .CodeMirror').waitFor({ timeout: 30_000 });
        // Type the query the way a user does, into GraphiQL's query editor.
        await tab.locator('.graphiql-query-editor .CodeMirror').click();
        await tab.keyboard.press('ControlOrMeta+A');
        await tab.keyboard.press('Delete');
        // The editor closes brackets itself, and typing a closing one steps over it.
        await tab.keyboard.type('query Few { books(pageSize: 2) { totalCount } }', { delay: 10 });
        const typed = await tab
          .locator('.graphiql-query-editor .CodeMirror')
          .evaluate((el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
        expect(typed.replace(/\s+/g, ' ')).toBe('query Few { books(pageSize: 2) { totalCount } }');
        await tab.locator('.graphiql-execute-button').click();
        const answer = tab.locator('.graphiql-response .CodeMirror');
        await expect.poll(async () => answer.textContent(), { timeout: 20_000 }).toContain('totalCount');
        const text = await tab
          .locator('.graphiql-response .CodeMirror')
          .evaluate((el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
        const body = JSON.parse(text) as { data: { books: { totalCount: number } } };
        expect(body.data.books.totalCount).toBeGreaterThan(2);
        expect(elsewhere).toEqual([]);
        expect(problems.filter((p) => /Content Security Policy|Refused/i.test(p))).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );

  it.skipIf(!hasChromium)(
    "runs a signed-in user's subscription over WebSocket and shows a change",
    { timeout: 60_000 },
    async () => {
      const auth = getAuth(client.app);
      const email = 'staff@graphiql.test';
      const password = 'a long enough staff password';
      const user = (await auth.createUser(client.db!, {
        email,
        password,
        isStaff: true,
        isSuperuser: true,
      })) as AuthUser;
      const bearer = { authorization: `Bearer ${(await auth.issueTokens(client.db!, user)).access}` };
      const book = (await client.db!.query(Book).orderBy('id').first())!;
      const context = await browser!.newContext({ baseURL: base });
      const problems: string[] = [];
      try {
        const login = await context.request.post('/auth/session/login', {
          data: { email, password },
          headers: { origin: base.replace(/\/$/, '') },
        });
        expect(login.status()).toBe(204);
        const tab = await context.newPage();
        tab.on('pageerror', (error) => problems.push(error.message));
        await tab.goto('/graphql');
        const editor = tab.locator('.graphiql-query-editor .CodeMirror');
        await editor.waitFor({ timeout: 30_000 });
        await editor.evaluate(
          (el, query) =>
            (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(query),
          `subscription { bookChanged(id: ${book.id}) { change id book { price } } }`,
        );
        await tab.locator('.graphiql-execute-button').click();
        const answer = tab.locator('.graphiql-response .CodeMirror');
        // Updates until one reaches the page: then the subscription is open.
        let price = 10;
        await expect
          .poll(
            async () => {
              price += 1;
              await client.app.fastify.inject({
                method: 'POST',
                url: '/graphql',
                headers: { 'content-type': 'application/json', ...bearer },
                payload: {
                  query: `mutation { updateBook(id: ${book.id}, input: { price: "${price}.00" }) { errors { field } } }`,
                },
              });
              return answer.textContent();
            },
            { timeout: 20_000, interval: 250 },
          )
          .toContain('UPDATE');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );
});
