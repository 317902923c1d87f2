// The admin end to end in real Chromium (Debian's chromium, driven by playwright-core): log in,
// search, filter, sort, paginate, add with a validation error then success, edit, an inline
// child, bulk delete with its confirmation, the history, uploading an image (its preview),
// the admin in Spanish; stored XSS payloads in every field
// kind stay text on list, form and history pages. Screenshots of the main pages go to
// docs/public/admin/ (shown in docs/admin.md). Skipped without chromium (required in CI).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getAuth } from 'basalt/auth';
import { createTestClient, type TestClient } from 'basalt/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extrasApp, Poster, Title } from '../admin/extras-app.js';
import { Note, optionsApp, Shelf, Volume } from '../admin/options-app.js';
import { png } from '../storage/support/files.js';
import { hasChromium, launchBrowser, submitForm, watchedPage } from '../support/browser.js';

const XSS = [
  `<img src=x onerror="window.__xss.push('img')">`,
  `"><script>window.__xss.push('attr')</script>`,
  `<script>alert('xss')</script>`,
  `</textarea><svg onload="window.__xss.push('svg')">`,
];
const PASSWORD = 'a long enough passphrase 42';
const SHOTS = join(import.meta.dirname, '..', '..', 'docs', 'public', 'admin');

describe.skipIf(!hasChromium)('the admin in Chromium', () => {
  let client: TestClient<typeof optionsApp.routes>;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    client = await createTestClient(optionsApp);
    const db = client.app.db!;
    await getAuth(client.app).createUser(db, {
      email: 'admin@example.com',
      password: PASSWORD,
      isStaff: true,
      isSuperuser: true,
    });
    const poetry = await db.create(Shelf, { name: 'Poetry' });
    const maps = await db.create(Shelf, { name: 'Maps' });
    for (let i = 0; i < 60; i++)
      await db.create(Volume, {
        title: `Volume ${String(i).padStart(2, '0')}`,
        code: `C${i}`,
        releasedOn: `20${String(10 + (i % 14)).padStart(2, '0')}-03-01`,
        kind: i % 4 === 0 ? 'map' : 'book',
        shelfId: i % 2 === 0 ? poetry.id : maps.id,
      } as never);
    // A payload in every kind of field the admin shows: strings, a related object's label,
    // an inline child, and (through the audit log) the history.
    const evilShelf = await db.create(Shelf, { name: XSS[0]! });
    const evil = await db.create(Volume, {
      title: XSS[1]!,
      code: '<svg onload=alert(1)>',
      shelfId: evilShelf.id,
    } as never);
    await db.create(Note, { text: XSS[2]!, volumeId: (evil as { id: number }).id } as never);
    await db.create(Note, { text: XSS[3]!, volumeId: (evil as { id: number }).id } as never);
    const { url } = await client.app.listen({ port: 0, host: '127.0.0.1' });
    base = url;
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await client?.close();
  });

  // Times change on every run: they are masked, so a screenshot changes only when the page does.
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, mask: [page.locator('time')] });

  it('logs in, lists, searches, filters, sorts, pages, adds, edits, deletes and shows the history', async () => {
    const { page, context, xss } = await watchedPage(browser, base);
    try {
      await page.setViewportSize({ width: 1100, height: 800 });
      await page.goto('/admin/volume/');
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await shot(page, 'login');
      expect(await submitForm(page, { username: 'admin@example.com', password: 'wrong password' })).toBe(400);
      expect(await page.locator('[role=alert]').textContent()).toContain(
        'Please enter the correct credentials',
      );
      expect(await submitForm(page, { username: 'admin@example.com', password: PASSWORD })).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/admin/volume/');
      await page.goto('/admin/');
      await shot(page, 'index');

      // Search, filter, sort, then the next page.
      await page.goto('/admin/volume/');
      await page.fill('#id_q', 'Volume 07');
      await Promise.all([page.waitForURL(/q=Volume/), page.click('form.filters button')]);
      expect(await page.locator('tbody tr td:nth-child(2) a').allTextContents()).toEqual(['Volume 07']);
      await page.goto('/admin/volume/');
      await page.selectOption('#id_f_kind', 'map');
      await page.fill('#id_f_releasedOn_gte', '2012-01-01');
      await Promise.all([page.waitForURL(/kind=map/), page.click('form.filters button')]);
      const maps = await page.locator('tbody tr td:nth-child(2) a').allTextContents();
      expect(maps.length).toBeGreaterThan(0);
      await page.goto('/admin/volume/?o=-releasedOn');
      await shot(page, 'list');
      expect(await page.locator('p.count').textContent()).toBe('61 volumes');
      await Promise.all([page.waitForURL(/page=2/), page.click('a[rel=next]')]);
      expect(await page.locator('a[rel=prev]').count()).toBe(1);

      // Add: a validation error beside its field, then success.
      await page.goto('/admin/volume/add');
      await page.fill('#id_title', '');
      await page.fill('#id_releasedOn', '2024-05-06');
      await page.$eval('form[action="/admin/volume/add"]', (form) => form.setAttribute('novalidate', ''));
      const [bad] = await Promise.all([page.waitForNavigation(), page.click('button.primary')]);
      expect(bad?.status()).toBe(400);
      expect(await page.locator('#err_title').textContent()).toBeTruthy();
      await shot(page, 'add-error');
      await page.fill('#id_title', 'A new volume');
      await Promise.all([page.waitForURL(/\/change$/), page.click('button.primary')]);
      expect(await page.locator('.messages li').textContent()).toContain('was added successfully');

      // Edit, with an inline child added in the same form.
      await page.fill('#id_title', 'A renamed volume');
      await page.fill('[name="notes-new-0-text"]', 'First note');
      await Promise.all([page.waitForURL(/\/change$/), page.click('button.primary')]);
      expect(await page.locator('h1').textContent()).toBe('Change volume: A renamed volume');
      expect(await page.locator('[name="notes-0-text"]').inputValue()).toBe('First note');
      await shot(page, 'change');

      // History of that object.
      await Promise.all([page.waitForURL(/\/history$/), page.click('a[href$="/history"]')]);
      expect(await page.locator('tbody tr').count()).toBe(2);
      await shot(page, 'history');

      // Bulk delete with its confirmation listing the cascade.
      await page.goto('/admin/shelf/');
      await page.locator('tbody tr', { hasText: 'Maps' }).locator('input[name=ids]').check();
      await page.selectOption('#id_action', 'delete_selected');
      await Promise.all([page.waitForURL(/\/actions$/), page.click('.bulk button')]);
      expect(await page.locator('ul.cascade').textContent()).toContain('30 volumes');
      await shot(page, 'delete-selected');
      await Promise.all([page.waitForURL(/\/admin\/shelf\/$/), page.click('button.danger')]);
      expect(await page.locator('.messages li').textContent()).toBe('Deleted 1 shelf.');

      // Autocomplete of a relation input (script): typing offers the matching shelves.
      await page.goto('/admin/volume/add');
      await page.fill('#id_shelfId', 'Poe');
      await page.locator('#id_shelfId_choices option').first().waitFor({ state: 'attached' });
      expect(await page.locator('#id_shelfId_choices option').first().getAttribute('label')).toBe('Poetry');

      // The payloads' pages: list, form (inputs, textarea, inline) and history.
      const evil = (await client.app.db!.query(Volume).where({ title: XSS[1]! }).first()) as { id: number };
      for (const path of [
        '/admin/volume/',
        `/admin/volume/${evil.id}/change`,
        `/admin/volume/${evil.id}/history`,
        '/admin/shelf/',
        '/admin/note/',
      ])
        await page.goto(path);
      expect(await page.locator('tbody').textContent()).toContain(XSS[2]!);
      expect(xss.dialogs).toEqual([]);
      expect(await xss.fired()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('works on a phone-sized screen', async () => {
    const { page, context } = await watchedPage(browser, base);
    try {
      await page.setViewportSize({ width: 380, height: 800 });
      await page.goto('/admin/login');
      expect(await submitForm(page, { username: 'admin@example.com', password: PASSWORD })).toBe(200);
      await page.goto('/admin/volume/');
      await shot(page, 'list-phone');
      // Nothing overflows the page sideways but the table, which scrolls in its own box.
      // (A string: the test's TypeScript has no DOM types.)
      const wide = await page.evaluate(
        `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 381 && !e.closest('table')).map((e) => e.tagName + '.' + e.className)`,
      );
      expect(wide).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('uploads an image and previews it, and speaks Spanish', async () => {
    // The app with storage and languages (English and Spanish), files in a temporary folder.
    const dir = mkdtempSync(join(tmpdir(), 'basalt-admin-e2e-'));
    const extras = await createTestClient(extrasApp, { env: { STORAGE_URL: `file:${join(dir, 'media')}` } });
    const { page, context, xss } = await (async () => {
      await getAuth(extras.app).createUser(extras.app.db!, {
        email: 'admin@example.com',
        password: PASSWORD,
        isStaff: true,
        isSuperuser: true,
      });
      await extras.app.db!.create(Title, {
        name: 'Rayuela',
        copies: 12345,
        publishedOn: '1963-06-28',
      } as never);
      await extras.app.db!.create(Title, {
        name: 'Ficciones',
        copies: 980,
        inPrint: false,
        publishedOn: '1944-01-01',
      } as never);
      const { url } = await extras.app.listen({ port: 0, host: '127.0.0.1' });
      return watchedPage(browser, url);
    })();
    try {
      await page.setViewportSize({ width: 1100, height: 800 });
      await page.goto('/admin/login');
      expect(await submitForm(page, { username: 'admin@example.com', password: PASSWORD })).toBe(200);
      await page.goto('/admin/poster/add');
      await page.fill('#id_title', 'Red square');
      await page.setInputFiles('#id_image', {
        name: 'red-square.png',
        mimeType: 'image/png',
        buffer: await png(160, 120),
      });
      await Promise.all([page.waitForURL(/\/change$/), page.click('button.primary')]);
      expect(await page.locator('.current-file a').textContent()).toBe('red-square.png');
      const preview = page.locator('img.preview');
      await preview.waitFor();
      // The preview is the stored image, loaded through the admin (a real image, 160 pixels wide).
      await expect
        .poll(() => preview.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
        .toBe(160);
      const poster = (await extras.app.db!.query(Poster).first()) as { image: { contentType: string } };
      expect(poster.image.contentType).toBe('image/png');
      await shot(page, 'upload');

      // The same admin in Spanish: the browser asks for it.
      const spanish = await browser.newContext({ baseURL: page.url(), locale: 'es-ES' });
      try {
        const es = await spanish.newPage();
        await es.setViewportSize({ width: 1100, height: 800 });
        await es.goto('/admin/login');
        expect(await es.locator('h1').textContent()).toBe('Iniciar sesión');
        expect(await submitForm(es, { username: 'admin@example.com', password: PASSWORD })).toBe(200);
        await es.goto('/admin/title/');
        expect(await es.locator('html').getAttribute('lang')).toBe('es');
        expect(await es.locator('header.top button').textContent()).toBe('Cerrar sesión');
        expect(await es.locator('label[for=id_q]').textContent()).toBe('Buscar');
        // Numbers and dates the Spanish way.
        expect(await es.locator('tbody').textContent()).toContain('12.345');
        await shot(es, 'list-es');
      } finally {
        await spanish.close();
      }
      expect(xss.dialogs).toEqual([]);
    } finally {
      await context.close();
      await extras.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
