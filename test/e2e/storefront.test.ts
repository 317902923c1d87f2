// The bookshop's storefront end to end in real Chromium (Debian's chromium, driven by
// playwright-core): browse, search, filter, page, sign up, sign in, order, see the order;
// stored XSS payloads in every text field stay text on every page; a form post without the
// CSRF token is refused and writes nothing. Skipped without chromium (required in CI).
import { createTestClient, type TestClient } from 'basalt/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Author, Book, Customer, Order, Review } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';
import { hasChromium, launchBrowser, submitForm, watchedPage } from '../support/browser.js';

/** Each runs script in the page if it is ever written as markup (a dialog, or a push to window.__xss). */
const XSS = [
  `<img src=x onerror="window.__xss.push('img')">`,
  `"><script>window.__xss.push('attr')</script>`,
  `<script>alert('xss')</script>`,
  `</title><svg onload="window.__xss.push('svg')">`,
];
const PASSWORD = 'a long enough passphrase 42';

describe.skipIf(!hasChromium)('storefront in Chromium', () => {
  let client: TestClient<typeof bookshop.routes>;
  let browser: Browser;
  let base: string;
  let evilAuthor: number;
  let evilBook: number;

  beforeAll(async () => {
    client = await createTestClient(bookshop);
    const db = client.app.db!;
    await seed(db);
    // Stored payloads in every text field the storefront shows: author name and bio, book
    // title, review body and the reviewer's (customer's) name.
    const author = await db.create(Author, { name: `${XSS[0]} Mallory`, bio: XSS[1]! });
    evilAuthor = author.id;
    const customer = await db.create(Customer, { name: XSS[3]!, email: 'mallory@example.com' });
    // Enough books by one author for two catalogue pages (20 a page).
    const created = await db.createMany(
      Book,
      Array.from({ length: 23 }, (_, i) => ({
        title: i === 0 ? `${XSS[2]} Evil title` : `Filler volume ${String(i).padStart(2, '0')}`,
        isbn: String(9_780_000_000_000 + i),
        price: (5 + i).toFixed(2),
        authorId: author.id,
      })),
    );
    evilBook = created[0]!.id;
    await db.create(Review, { bookId: evilBook, customerId: customer.id, rating: 1, body: XSS.join(' ') });
    const { url } = await client.app.listen({ port: 0, host: '127.0.0.1' });
    base = url;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await client?.close();
  });

  it(
    'browses, searches, signs up, orders and sees the order, without any payload running',
    { timeout: 120_000 },
    async () => {
      const { page, context, xss } = await watchedPage(browser, base);
      try {
        // Browse: the front door is the catalogue.
        await page.goto('/');
        expect(new URL(page.url()).pathname).toBe('/books');
        expect(await page.locator('h1').textContent()).toBe('Catalogue');
        expect(await page.locator('.count').textContent()).toBe('28 books');
        expect(await page.locator('.books li').count()).toBe(20);

        // Search.
        await page.fill('input[name=search]', 'Earthsea');
        await Promise.all([page.waitForURL(/search=Earthsea/), page.click('form.filters button')]);
        expect(await page.locator('.book-title').allTextContents()).toEqual(['A Wizard of Earthsea']);

        // Filter by author, then the second page.
        await page.goto('/books');
        await page.selectOption('select[name=author]', String(evilAuthor));
        await Promise.all([page.waitForURL(/author=/), page.click('form.filters button')]);
        expect(await page.locator('.count').textContent()).toBe('23 books');
        await Promise.all([page.waitForURL(/page=2/), page.click('a[rel=next]')]);
        expect(await page.locator('.books li').count()).toBe(3);
        expect(await page.locator('a[rel=prev]').count()).toBe(1);

        // The book page with its payloads, shown as text.
        await page.goto(`/books/${evilBook}`);
        expect(await page.locator('h1').textContent()).toBe(`${XSS[2]} Evil title`);
        expect(await page.locator('.review p').textContent()).toBe(XSS.join(' '));
        expect(await page.title()).toContain(`${XSS[2]} Evil title`);

        // Into the cart as a visitor, then sign up (the cart comes along).
        await Promise.all([page.waitForURL(/\/cart$/), page.click('form[action="/cart/add"] button')]);
        expect(await page.locator('.flash').textContent()).toContain('Evil title');
        await page.goto('/signup');
        expect(
          await submitForm(page, { name: `${XSS[0]} Eve`, email: 'eve@example.com', password: PASSWORD }),
        ).toBe(200);
        expect(new URL(page.url()).pathname).toBe('/cart');
        expect(await page.locator('.who').textContent()).toBe('Signed in as eve@example.com');
        await page.fill('input[name=quantity]', '2');
        await Promise.all([page.waitForURL(/\/cart$/), page.click('form[action="/cart/update"] button')]);
        expect(await page.locator('#cart-link').textContent()).toBe('Cart (2)');

        // Order: placed through the order collection, priced from the catalogue.
        await Promise.all([page.waitForURL(/\/orders\/\d+$/), page.click('#checkout')]);
        const orderId = Number(new URL(page.url()).pathname.split('/').pop());
        expect(await page.locator('.flash').textContent()).toBe(`Thank you: order ${orderId} is placed.`);
        expect(await page.locator('.total strong').textContent()).toBe('€10.00');
        const order = await client.app.db!.query(Order).include('lines').get(orderId);
        expect(order.total).toBe('10.00');
        expect(order.lines.map((l) => [l.bookId, l.quantity])).toEqual([[evilBook, 2]]);

        // Sign out, sign in again, see the order in "My orders".
        await Promise.all([page.waitForURL(/\/books$/), page.click('form[action="/signout"] button')]);
        // Signed out, "My orders" sends to the sign-in form, which comes back to it.
        await page.goto('/orders');
        expect(new URL(page.url()).pathname).toBe('/signin');
        expect(new URL(page.url()).searchParams.get('next')).toBe('/orders');
        expect(await submitForm(page, { email: 'eve@example.com', password: 'wrong password' })).toBe(400);
        expect(await page.locator('[role=alert]').textContent()).toContain('No active account');
        expect(await submitForm(page, { email: 'eve@example.com', password: PASSWORD })).toBe(200);
        expect(new URL(page.url()).pathname).toBe('/orders');
        expect(await page.locator('.order a').allTextContents()).toEqual([`Order ${orderId}`]);

        // Every page seen: no payload ran.
        expect(xss.dialogs).toEqual([]);
        expect(await xss.fired()).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );

  it('shows every stored payload as text on each page that renders it', { timeout: 60_000 }, async () => {
    const { page, context, xss } = await watchedPage(browser, base);
    try {
      for (const path of [
        '/books',
        `/books?author=${evilAuthor}`,
        `/books/${evilBook}`,
        `/books?search=${encodeURIComponent('Evil')}`,
      ]) {
        const res = await page.goto(path);
        expect(res?.status(), path).toBe(200);
        // Let any injected handler (onerror, onload) fire before looking.
        await page.waitForLoadState('load');
        const text = await page.locator('body').innerText();
        expect(text, path).toContain('Evil title');
        expect(await page.locator('main script, main img[src=x], main svg').count(), path).toBe(0);
      }
      expect(await page.locator('.author').first().textContent()).toContain('Mallory');
      expect(xss.dialogs).toEqual([]);
      expect(await xss.fired()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('refuses a form post without its CSRF token (403) and writes nothing', { timeout: 60_000 }, async () => {
    const { page, context } = await watchedPage(browser, base);
    try {
      await page.goto('/signin');
      expect(await submitForm(page, { email: 'eve@example.com', password: PASSWORD })).toBe(200);
      await page.goto(`/books/${evilBook}`);
      await page.click('form[action="/cart/add"] button');
      await page.waitForURL(/\/cart$/);
      const before = await client.app.db!.query(Order).count();
      // The same checkout form, with its token field removed before it is sent.
      await page.evaluate(() => {
        const doc = (
          globalThis as unknown as { document: { querySelector(s: string): { remove(): void } | null } }
        ).document;
        doc.querySelector('form[action="/checkout"] input[name=csrf_token]')?.remove();
      });
      const [response] = await Promise.all([page.waitForNavigation(), page.click('#checkout')]);
      expect(response?.status()).toBe(403);
      expect(await page.locator('h1').textContent()).toBe('403 CSRF verification failed');
      expect(await page.locator('main p').first().textContent()).toContain('The form was refused');
      expect(await client.app.db!.query(Order).count()).toBe(before);
      // A wrong token is refused the same way.
      const forged = await context.request.post('/checkout', {
        form: { csrf_token: 'not-the-token' },
        headers: { origin: base.replace(/\/$/, ''), accept: 'text/html' },
      });
      expect(forged.status()).toBe(403);
      expect(await client.app.db!.query(Order).count()).toBe(before);
    } finally {
      await context.close();
    }
  });

  it('speaks Spanish to a Spanish browser', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ baseURL: base, locale: 'es-ES' });
    try {
      const page = await context.newPage();
      await page.goto('/books');
      expect(await page.locator('h1').textContent()).toBe('Catálogo');
      expect(await page.locator('html').getAttribute('lang')).toBe('es');
      await page.goto(`/books/${evilBook}`);
      expect(await page.locator('.price').textContent()).toBe('5,00\u00a0€');
      const missing = await page.goto('/books/999999');
      expect(missing?.status()).toBe(404);
      expect(await page.locator('h1').textContent()).toBe('404 No encontrado');
    } finally {
      await context.close();
    }
  });
});
