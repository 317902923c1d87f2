import { defineApp } from 'basalt';
import { admin } from 'basalt/admin';
import { auth } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import { escapeHtml } from 'basalt/views';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApp, Book, Memo, Writer } from './admin-app.js';
import {
  type Browser,
  fieldError,
  inputValue,
  listedLinks,
  makeUser,
  PASSWORD,
  postForm,
  relLink,
  signIn,
} from './helpers.js';

const BOOK_PERMS = ['view_book', 'add_book', 'change_book', 'delete_book'];

describe('the admin site', () => {
  let client: TestClient<typeof adminApp.routes>;
  let su: Browser;
  let suEmail: string;
  // Every SQL statement the app runs (trace logging), to check what a list page costs.
  const statements: string[] = [];
  const destination = {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; sql?: string };
      if (entry.msg === 'query' && entry.sql) statements.push(entry.sql);
    },
  };
  beforeAll(async () => {
    client = await createTestClient(adminApp, { env: { LOG_LEVEL: 'trace' }, logger: { destination } });
    suEmail = (await makeUser(client, { superuser: true })).email;
    su = await signIn(client, suEmail);
  });
  afterAll(() => client.close());

  const newBook = (data: Record<string, unknown> = {}) =>
    client.db!.create(Book, { title: 'A book', price: '9.99', ...data } as never) as Promise<{ id: number }>;

  describe('login', () => {
    it('sends anonymous visitors to the login page and back after signing in', async () => {
      const res = await client.request({
        method: 'GET',
        url: '/admin/book/',
        headers: { accept: 'text/html' },
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/admin/login?next=%2Fadmin%2Fbook%2F');
      const { email } = await makeUser(client);
      const login = await postForm(client, '/admin/login', {
        username: email,
        password: PASSWORD,
        next: '/admin/book/',
      });
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe('/admin/book/');
    });

    it('refuses a wrong password, a non-staff account and a foreign next target', async () => {
      const { email } = await makeUser(client);
      const wrong = await postForm(client, '/admin/login', { username: email, password: 'nope nope nope' });
      expect(wrong.status).toBe(400);
      expect(wrong.text).toContain('Please enter the correct credentials for a staff account.');
      expect(inputValue(wrong.text, 'username')).toBe(email);
      expect(wrong.headers['set-cookie']).toBeUndefined();
      const reader = await makeUser(client, { staff: false });
      const refused = await postForm(client, '/admin/login', { username: reader.email, password: PASSWORD });
      expect(refused.status).toBe(400);
      expect(refused.headers['set-cookie']).toBeUndefined();
      const away = await postForm(client, '/admin/login', {
        username: email,
        password: PASSWORD,
        next: '//evil.test/x',
      });
      expect(away.status).toBe(303);
      expect(away.headers.location).toBe('/admin/');
    });

    it('refuses a login posted from another origin (login CSRF)', async () => {
      const { email } = await makeUser(client);
      const res = await postForm(
        client,
        '/admin/login',
        { username: email, password: PASSWORD },
        { origin: 'http://evil.test' },
      );
      expect(res.status).toBe(403);
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('counts failed logins per account with the session login’s limit (429)', async () => {
      const { email } = await makeUser(client);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++)
        statuses.push(
          (
            await postForm(
              client,
              '/admin/login',
              { username: email, password: `wrong ${i} password` },
              {
                'x-forwarded-for': `10.0.0.${i}`,
              },
            )
          ).status,
        );
      expect(statuses.slice(0, 10).every((s) => s === 400)).toBe(true);
      expect(statuses[10]).toBe(429);
    });

    it('logs out with the CSRF token', async () => {
      const { email } = await makeUser(client);
      const browser = await signIn(client, email);
      expect((await browser.post('/admin/logout', {}, { token: null })).status).toBe(403);
      expect((await browser.get('/admin/')).status).toBe(200);
      const out = await browser.post('/admin/logout', {});
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/admin/login');
      expect((await browser.get('/admin/')).status).toBe(303);
    });

    it('serves admin pages with a strict CSP, no framing, no inline script or style, and hashed assets', async () => {
      const res = await su.get('/admin/');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      // The views' page policy; the script directive allows no inline script.
      expect(/script-src [^;]*/.exec(String(res.headers['content-security-policy']))?.[0]).toBe(
        "script-src 'self'",
      );
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      // The one script is a file of the admin's: no inline script, no style element or attribute.
      expect(res.text.match(/<script[^>]*>/gi)).toEqual([
        expect.stringMatching(/^<script src="\/admin\/static\/admin\.[0-9a-f]{12}\.js" defer>$/),
      ]);
      expect(res.text).toContain('<script src="/admin/static/admin.');
      expect(res.text).not.toMatch(/<\/script>[^<]*\S[^<]*<\/script>|<style|\sstyle=/i);
      // Every admin page (and its 4xx pages) allows no inline style or script at all.
      const book = await newBook({ title: 'CSP' });
      const pages = [
        '/admin/',
        '/admin/book/',
        '/admin/book/add',
        `/admin/book/${book.id}/change`,
        `/admin/book/${book.id}/delete`,
        `/admin/book/${book.id}/history`,
        '/admin/password_change',
        '/admin/jobs/',
        '/admin/book/?status=lost',
        '/admin/book/999999/change',
      ];
      for (const url of pages) {
        const page = await su.get(url);
        expect(page.headers['content-type'], url).toContain('text/html');
        const csp = String(page.headers['content-security-policy']);
        expect(csp, url).toContain("style-src 'self'");
        expect(csp, url).not.toContain('unsafe-inline');
        expect(page.text, url).not.toMatch(/<style|\sstyle=/i);
      }
      const login = await client.request({
        method: 'GET',
        url: '/admin/login',
        headers: { accept: 'text/html' },
      });
      expect(String(login.headers['content-security-policy'])).not.toContain('unsafe-inline');
      const css = /<link rel="stylesheet" href="([^"]+)"/.exec(res.text)![1]!;
      const js = /<script src="([^"]+)"/.exec(res.text)![1]!;
      for (const [url, type] of [
        [css, 'text/css'],
        [js, 'text/javascript'],
      ] as const) {
        const asset = await client.request({ method: 'GET', url });
        expect(asset.status).toBe(200);
        expect(asset.headers['content-type']).toContain(type);
        expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      }
    });

    it('has a skip link, landmarks and labelled controls', async () => {
      const res = await su.get('/admin/book/');
      expect(res.text).toContain('<a class="skip" href="#content">Skip to content</a>');
      expect(res.text).toContain('<main id="content">');
      expect(res.text).toContain('<nav aria-label="Account">');
      expect(res.text).toContain('<html lang="en">');
      // Every input, select and textarea but hidden ones has a label or an aria-label.
      const ids = new Set([...res.text.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]));
      for (const [tag] of res.text.matchAll(/<(input|select|textarea)\b[^>]*>/g)) {
        if (/type="hidden"/.test(tag)) continue;
        const id = /\sid="([^"]+)"/.exec(tag)?.[1];
        expect(ids.has(id) || /aria-label=/.test(tag), tag).toBe(true);
      }
    });
  });

  describe('permissions', () => {
    it('answers 403 to a signed-in user who is not staff', async () => {
      const reader = await makeUser(client, { staff: false });
      const login = await client.request({
        method: 'POST',
        url: '/auth/session/login',
        payload: { email: reader.email, password: PASSWORD },
        headers: { origin: 'http://localhost' },
      });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const res = await client.request({
        method: 'GET',
        url: '/admin/',
        headers: { cookie, accept: 'text/html' },
      });
      expect(res.status).toBe(403);
      expect(res.text).toContain('staff only');
    });

    it('gives a staff user only what their model permissions allow', async () => {
      const book = await newBook({ title: 'Permissions' });
      const { email } = await makeUser(client, { permissions: ['view_book'] });
      const viewer = await signIn(client, email);
      const index = await viewer.get('/admin/');
      expect(index.text).toContain('href="/admin/book/"');
      expect(index.text).not.toContain('href="/admin/writer/"');
      expect(index.text).not.toContain('/admin/book/add');
      const list = await viewer.get('/admin/book/');
      expect(list.status).toBe(200);
      expect(list.text).not.toContain('Add Book');
      const form = await viewer.get(`/admin/book/${book.id}/change`);
      expect(form.status).toBe(200);
      expect(form.text).toContain('View book: Permissions');
      expect(form.text).not.toContain('name="title"');
      expect(form.text).not.toContain('>Save<');
      const post = await viewer.post(`/admin/book/${book.id}/change`, { title: 'Hacked', price: '1.00' });
      expect(post.status).toBe(403);
      expect((await client.db!.get(Book, book.id)).title).toBe('Permissions');
      expect((await viewer.get('/admin/book/add')).status).toBe(403);
      expect((await viewer.post('/admin/book/add', { title: 'New', price: '1.00' })).status).toBe(403);
      expect((await viewer.get(`/admin/book/${book.id}/delete`)).status).toBe(403);
      expect((await viewer.post(`/admin/book/${book.id}/delete`, {})).status).toBe(403);
      expect(await client.db!.query(Book).where({ id: book.id }).first()).toBeDefined();
      expect((await viewer.get('/admin/writer/')).status).toBe(403);
      expect((await viewer.get('/admin/user/')).status).toBe(403);
    });

    it('lets a superuser see and change every model, auth and audit included', async () => {
      for (const url of [
        '/admin/',
        '/admin/user/',
        '/admin/group/',
        '/admin/basaltAuditEntry/',
        '/admin/writer/add',
      ])
        expect((await su.get(url)).status, url).toBe(200);
      for (const [url, to] of [
        ['/admin', '/admin/'],
        ['/admin/book', '/admin/book/'],
      ] as const) {
        const res = await su.get(url);
        expect(res.status).toBe(301);
        expect(res.headers.location).toBe(to);
      }
    });

    it('applies the collection’s scope and field rules (through the operation layer)', async () => {
      const a = await makeUser(client, { permissions: ['view_memo', 'add_memo', 'change_memo'] });
      const b = await makeUser(client, { permissions: ['view_memo', 'add_memo', 'change_memo'] });
      const alice = await signIn(client, a.email);
      const bob = await signIn(client, b.email);
      const added = await alice.post('/admin/memo/add', { text: 'alice memo' });
      expect(added.status, added.text).toBe(303);
      const memo = (await client.db!.query(Memo).where({ text: 'alice memo' }).first())!;
      expect(memo.owner).toBe(a.id);
      const otherMemo = await client.db!.create(Memo, {
        owner: 999,
        text: 'not yours',
        secret: 'the secret',
      });
      const list = await alice.get('/admin/memo/');
      expect(listedLinks(list.text)).toEqual([String(memo.id)]);
      expect(list.text).not.toContain('Secret');
      expect((await bob.get(`/admin/memo/${memo.id}/change`)).status).toBe(404);
      expect((await bob.post(`/admin/memo/${memo.id}/change`, { text: 'bob was here' })).status).toBe(404);
      expect((await client.db!.get(Memo, memo.id)).text).toBe('alice memo');
      const form = await alice.get(`/admin/memo/${memo.id}/change`);
      expect(form.text).not.toContain('name="secret"');
      expect(form.text).not.toContain('name="pinned"');
      // Fields the user may not set are not in their form, and are not written when posted anyway.
      const edited = await alice.post(`/admin/memo/${memo.id}/change`, {
        _version: inputValue(form.text, '_version')!,
        text: 'alice edited',
        secret: 'forged',
        pinned: 'on',
      });
      expect(edited.status, edited.text).toBe(303);
      expect(await client.db!.get(Memo, memo.id)).toMatchObject({
        text: 'alice edited',
        secret: '',
        pinned: false,
      });
      const suForm = await su.get(`/admin/memo/${otherMemo.id}/change`);
      expect(inputValue(suForm.text, 'secret')).toBe('the secret');
    });
  });

  describe('list page', () => {
    beforeAll(async () => {
      const writer = (await client.db!.create(Writer, { name: 'Ursula' })) as { id: number };
      await newBook({ title: 'Lathe of Heaven', pages: 184, status: 'published', writerId: writer.id });
      await newBook({ title: 'Left Hand of Darkness', pages: 304, status: 'published', writerId: writer.id });
      await newBook({ title: 'Lost Draft', pages: 12, inPrint: false });
      await newBook({ title: 'Lonely Draft', pages: 40 });
      await newBook({ title: 'Lunar Notes', pages: 90, status: 'published', inPrint: false });
    });

    /** Every title of a list, following its “More” links (2 rows a page). */
    async function allTitles(url: string): Promise<string[]> {
      const titles: string[] = [];
      let next: string | undefined = url;
      for (let pages = 0; next !== undefined && pages < 20; pages++) {
        const res = await su.get(next);
        expect(res.status, res.text).toBe(200);
        const found = listedLinks(res.text);
        expect(found.length).toBeLessThanOrEqual(2);
        titles.push(...found);
        next = relLink(res.text, 'next');
      }
      return titles;
    }

    it('searches, filters and sorts', async () => {
      expect(await allTitles('/admin/book/?q=draft')).toEqual(['Lonely Draft', 'Lost Draft']);
      expect(await allTitles('/admin/book/?q=l&status=published&o=-pages')).toEqual([
        'Left Hand of Darkness',
        'Lathe of Heaven',
        'Lunar Notes',
      ]);
      expect(await allTitles('/admin/book/?q=l&inPrint=false&o=pages')).toEqual([
        'Lost Draft',
        'Lunar Notes',
      ]);
      const writer = (await client.db!.query(Writer).where({ name: 'Ursula' }).first())!;
      expect(await allTitles(`/admin/book/?writerId=${writer.id}`)).toEqual([
        'Lathe of Heaven',
        'Left Hand of Darkness',
      ]);
    });

    it('pages with page links and a count capped at the exact-count limit', async () => {
      statements.length = 0;
      const first = await su.get('/admin/book/?q=l&o=pages');
      const books = statements.filter((sql) => /from\s+"?book"?/i.test(sql));
      // The page (limited to a page and one row more) and its count, which stops past the limit
      // (one statement or two, as the query layer plans them): nothing unbounded.
      expect(books.length).toBeGreaterThan(0);
      expect(books.join('\n')).toMatch(/count\s*\(/i);
      for (const sql of books) expect(sql).toMatch(/limit/i);
      expect(listedLinks(first.text)).toEqual(['Lost Draft', 'Lonely Draft']);
      expect(first.text).toMatch(/<p class="count">\d+ books<\/p>/);
      const second = await su.get(relLink(first.text, 'next')!);
      expect(relLink(first.text, 'next')).toContain('page=2');
      expect(listedLinks(second.text)).toEqual(['Lunar Notes', 'Lathe of Heaven']);
      expect(relLink(second.text, 'next')).toContain('o=pages');
      const back = await su.get(relLink(second.text, 'prev')!);
      expect(listedLinks(back.text)).toEqual(['Lost Draft', 'Lonely Draft']);
    });

    it('answers bad parameters with a 400 page naming them', async () => {
      const cases: [string, string][] = [
        ['/admin/book/?status=lost', 'status'],
        ['/admin/book/?inPrint=maybe', 'inPrint'],
        ['/admin/book/?writerId=x', 'writerId'],
        ['/admin/book/?o=blurb', 'o'],
        ['/admin/book/?price=1', 'price'],
        ['/admin/book/?cursor=garbage', 'cursor'],
      ];
      for (const [url, name] of cases) {
        const res = await su.get(url);
        expect(res.status, url).toBe(400);
        expect(res.headers['content-type']).toContain('text/html');
        expect(res.text, url).toContain(name);
      }
      expect((await su.get('/admin/nothing/')).status).toBe(404);
      expect((await su.get('/admin/book/abc/change')).status).toBe(404);
      expect((await su.get('/admin/book/999999/change')).status).toBe(404);
    });
  });

  describe('forms', () => {
    it('re-renders an invalid add form with errors beside the fields and the values kept, then adds', async () => {
      const bad = await su.post('/admin/book/add', {
        title: 'Kept title',
        pages: 'many',
        price: '1.5',
        status: 'lost',
      });
      expect(bad.status).toBe(400);
      expect(fieldError(bad.text, 'pages')).toBe('Enter a whole number.');
      expect(fieldError(bad.text, 'status')).toBe('Select a valid choice.');
      expect(inputValue(bad.text, 'title')).toBe('Kept title');
      expect(inputValue(bad.text, 'pages')).toBe('many');
      const missing = await su.post('/admin/book/add', { title: '', pages: '3' });
      expect(missing.status).toBe(400);
      expect(fieldError(missing.text, 'price')).toBe('This field is required.');
      // The model's own validator, reached through the operation layer.
      const model = await su.post('/admin/book/add', {
        title: 'Zero',
        pages: '0',
        price: '1.00',
        status: 'draft',
      });
      expect(model.status).toBe(400);
      expect(fieldError(model.text, 'pages')).toBe('A book has at least 1 page');
      expect(await client.db!.query(Book).where({ title: 'Zero' }).first()).toBeUndefined();
      const writer = (await client.db!.create(Writer, { name: 'Octavia' })) as { id: number };
      const noWriter = await su.post('/admin/book/add', {
        title: 'Orphan',
        price: '1.00',
        writerId: '987654',
      });
      expect(noWriter.status).toBe(400);
      expect(fieldError(noWriter.text, 'writerId'), noWriter.text).toBeDefined();
      const ok = await su.post('/admin/book/add', {
        title: 'Kindred',
        pages: '264',
        price: '12.50',
        status: 'published',
        inPrint: 'on',
        publishedOn: '1979-06-01',
        releasedAt: '1979-06-01T10:30:00',
        writerId: String(writer.id),
        blurb: 'Time travel',
      });
      expect(ok.status, ok.text).toBe(303);
      const saved = (await client.db!.query(Book).where({ title: 'Kindred' }).first())!;
      expect(ok.headers.location).toBe(`/admin/book/${saved.id}/change`);
      expect(saved).toMatchObject({
        pages: 264,
        price: '12.50',
        status: 'published',
        inPrint: true,
        writerId: writer.id,
      });
      const page = await su.get(ok.headers.location as string);
      expect(page.text).toContain('The book “Kindred” was added successfully.');
      expect(page.text).toContain('>Octavia</a>');
      expect(inputValue(page.text, 'publishedOn')).toBe('1979-06-01');
      // A datetime is read and shown in UTC, whatever the server's time zone.
      expect((saved.releasedAt as Date).toISOString()).toBe('1979-06-01T10:30:00.000Z');
      expect(inputValue(page.text, 'releasedAt')).toBe('1979-06-01T10:30:00');
    });

    it('edits, and turns a stale form into a conflict instead of overwriting', async () => {
      const book = await newBook({ title: 'Before', pages: 10 });
      const form = await su.get(`/admin/book/${book.id}/change`);
      const version = inputValue(form.text, '_version')!;
      expect(version).toBeTruthy();
      const edited = await su.post(`/admin/book/${book.id}/change`, {
        _version: version,
        title: 'After',
        pages: '11',
        price: '9.99',
        status: 'draft',
      });
      expect(edited.status, edited.text).toBe(303);
      expect((await client.db!.get(Book, book.id)).title).toBe('After');
      // The same (now stale) form sent again: the other editor’s change is kept.
      const stale = await su.post(`/admin/book/${book.id}/change`, {
        _version: version,
        title: 'Stale overwrite',
        pages: '12',
        price: '9.99',
        status: 'draft',
      });
      expect(stale.status).toBe(409);
      expect(stale.text).toContain('was changed by someone else');
      expect(inputValue(stale.text, 'title')).toBe('Stale overwrite');
      expect((await client.db!.get(Book, book.id)).title).toBe('After');
    });

    it('deletes after a confirmation page', async () => {
      const book = await newBook({ title: 'Doomed' });
      const confirm = await su.get(`/admin/book/${book.id}/delete`);
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('Are you sure you want to delete the book “Doomed”?');
      expect(await client.db!.query(Book).where({ id: book.id }).first()).toBeDefined();
      const done = await su.post(`/admin/book/${book.id}/delete`, {});
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/admin/book/');
      expect(await client.db!.query(Book).where({ id: book.id }).first()).toBeUndefined();
      expect((await su.get(done.headers.location as string)).text).toContain(
        'The book “Doomed” was deleted.',
      );
    });

    it('refuses every form without the CSRF token or with a wrong one, writing nothing', async () => {
      const book = await newBook({ title: 'Guarded' });
      for (const token of [null, 'wrong-token']) {
        const add = await su.post('/admin/book/add', { title: 'Forged', price: '1.00' }, { token });
        expect(add.status).toBe(403);
        const change = await su.post(
          `/admin/book/${book.id}/change`,
          { title: 'Forged', price: '1.00' },
          { token },
        );
        expect(change.status).toBe(403);
        const del = await su.post(`/admin/book/${book.id}/delete`, {}, { token });
        expect(del.status).toBe(403);
      }
      expect(await client.db!.query(Book).where({ title: 'Forged' }).first()).toBeUndefined();
      expect((await client.db!.get(Book, book.id)).title).toBe('Guarded');
    });
  });

  describe('history', () => {
    it('shows who changed which field from what to what', async () => {
      const { email } = await makeUser(client, { permissions: BOOK_PERMS });
      const editor = await signIn(client, email);
      const added = await editor.post('/admin/book/add', {
        title: 'First title',
        pages: '5',
        price: '3.00',
        status: 'draft',
      });
      expect(added.status).toBe(303);
      const url = added.headers.location as string;
      const form = await editor.get(url);
      const changed = await editor.post(url, {
        _version: inputValue(form.text, '_version')!,
        title: 'Second title',
        pages: '5',
        price: '3.00',
        status: 'published',
      });
      expect(changed.status).toBe(303);
      const history = await editor.get(url.replace('/change', '/history'));
      expect(history.status).toBe(200);
      const rows = history.text.split('<tr>').slice(2);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toContain(email);
      expect(rows[0]).toContain('Changed');
      expect(rows[0]).toContain('<strong>Title</strong>: First title → Second title');
      expect(rows[0]).toContain('<strong>Status</strong>: draft → published');
      expect(rows[1]).toContain('Added');
    });
  });

  describe('escaping', () => {
    const PAYLOADS = [
      '<script>alert(1)</script>',
      '"><img src=x onerror=alert(1)>',
      "' onmouseover='alert(1)",
      '</textarea><script>alert(2)</script>',
    ];

    it('escapes stored payloads on list, form and history pages', async () => {
      for (const [i, payload] of PAYLOADS.entries()) {
        const writer = (await client.db!.create(Writer, { name: payload })) as { id: number };
        const add = await su.post('/admin/book/add', {
          title: `${payload} ${i}`,
          blurb: payload,
          price: '1.00',
          status: 'draft',
          writerId: String(writer.id),
        });
        expect(add.status, add.text).toBe(303);
        const url = add.headers.location as string;
        const memo = await su.post('/admin/memo/add', { text: payload, secret: payload });
        expect(memo.status).toBe(303);
        const form = await su.get(url);
        const edit = await su.post(url, {
          _version: inputValue(form.text, '_version')!,
          title: `${payload} edited ${i}`,
          blurb: `${payload}!`,
          price: '1.00',
          status: 'draft',
        });
        expect(edit.status).toBe(303);
        const pages = [
          url,
          url.replace('/change', '/history'),
          url.replace('/change', '/delete'),
          `/admin/book/?q=${encodeURIComponent(payload.slice(0, 12))}`,
          '/admin/writer/',
          `/admin/writer/${writer.id}/change`,
          '/admin/memo/',
          `${memo.headers.location as string}`,
          `${(memo.headers.location as string).replace('/change', '/history')}`,
          '/admin/basaltAuditEntry/',
        ];
        for (const page of pages) {
          const res = await su.get(page);
          expect(res.status, page).toBe(200);
          expect(res.text, page).not.toContain(payload);
          // Attribute values are always double-quoted (and escaped): outside them, no tag or handler.
          const markup = res.text
            .replace(/<script src="\/admin\/static\/admin\.[0-9a-f]{12}\.js" defer><\/script>/, '')
            .replace(/"[^"]*"/g, '""');
          expect(markup, page).not.toMatch(/<(script|img|svg|iframe)\b/i);
          expect(markup, page).not.toMatch(/<[^>]*\son\w+=/i);
        }
        // The payload is shown, as text.
        expect((await su.get(url)).text).toContain(escapeHtml(`${payload} edited ${i}`));
      }
    });
  });
});

describe('the admin login’s per-IP limit', () => {
  it('is the session login’s: past it, a 429 with Retry-After', async () => {
    const app = defineApp({
      name: 'limited',
      models: [Writer],
      modules: [auth({ rateLimits: { ip: { max: 3, window: '1m' } } }), admin()],
    });
    const client = await createTestClient(app);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await postForm(client as never, '/admin/login', {
          username: `x${i}@example.com`,
          password: 'wrong password',
        });
        statuses.push(res.status);
        if (res.status === 429) expect(res.headers['retry-after']).toBeDefined();
      }
      expect(statuses).toEqual([400, 400, 400, 429]);
    } finally {
      await client.close();
    }
  });
});
