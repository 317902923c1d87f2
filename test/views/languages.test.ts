import { defineApp } from 'basalt';
import { auth, getAuth } from 'basalt/auth';
import { respond, t } from 'basalt/http';
import { createTestClient } from 'basalt/testing';
import {
  basaltMessages,
  createLanguages,
  defineMessages,
  negotiateLocale,
  page,
  trustedHtml,
  views,
} from 'basalt/views';
import { describe, expect, it } from 'vitest';

const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

const shopMessages = defineMessages({
  en: {
    'shop.cart':
      '{count, plural, =0 {Your cart is empty} one {# book in your cart} other {# books in your cart}}',
    'shop.hello': 'Hello, {name}!',
  },
  es: {
    'shop.cart':
      '{count, plural, =0 {Tu carrito está vacío} one {# libro en tu carrito} other {# libros en tu carrito}}',
  },
});

describe('languages', () => {
  it('negotiates Accept-Language with quality values, languages and wildcards', () => {
    const offered = ['en', 'es'];
    expect(negotiateLocale('es-MX,es;q=0.9,en;q=0.5', offered)).toBe('es');
    expect(negotiateLocale('fr, en;q=0.1, es;q=0.2', offered)).toBe('es');
    expect(negotiateLocale('fr-CA, fr', offered)).toBeUndefined();
    expect(negotiateLocale('*', offered)).toBe('en');
    expect(negotiateLocale('es;q=0, en;q=0.3', offered)).toBe('en');
    expect(negotiateLocale('pt', ['en', 'pt-BR'])).toBe('pt-BR');
    expect(negotiateLocale('garbage;;;q=x,,', offered)).toBeUndefined();
    expect(negotiateLocale(undefined, offered)).toBeUndefined();
  });

  it('formats plurals, numbers and dates per locale, falling back to the default locale', () => {
    const languages = createLanguages({ locales: ['en', 'es'], messages: shopMessages });
    const en = languages.translator('en');
    const es = languages.translator('es');
    expect([0, 1, 2].map((count) => en.t('shop.cart', { count }))).toEqual([
      'Your cart is empty',
      '1 book in your cart',
      '2 books in your cart',
    ]);
    expect(es.t('shop.cart', { count: 1 })).toBe('1 libro en tu carrito');
    expect(es.t('shop.cart', { count: 1234 })).toBe(
      '1234 libros en tu carrito'.replace('1234', es.number(1234)),
    );
    // Missing in Spanish: the default locale's message; missing everywhere: the key itself.
    expect(es.t('shop.hello', { name: 'Ana' })).toBe('Hello, Ana!');
    expect(es.t('shop.nothing')).toBe('shop.nothing');
    expect(es.number(1234567.5)).toBe('1.234.567,5');
    expect(en.number(1234567.5)).toBe('1,234,567.5');
    expect(es.currency(12.5, 'EUR')).toBe('12,50\u00a0€');
    const day = new Date(Date.UTC(2026, 11, 5, 12));
    expect(es.date(day, { dateStyle: 'long', timeZone: 'UTC' })).toBe('5 de diciembre de 2026');
    expect(en.date(day, { dateStyle: 'long', timeZone: 'UTC' })).toBe('December 5, 2026');
    expect(es.list(['a', 'b', 'c'])).toBe('a, b y c');
    // A locale that is not offered gets the default's translator.
    expect(languages.translator('fr').locale).toBe('en');
  });

  it("looks in the app's messages, then a module's, then Basalt's", () => {
    const module = defineMessages({
      en: { 'admin.title': 'Administration', 'basalt.form.required': 'Module says required' },
      es: { 'admin.title': 'Administración' },
    });
    const languages = createLanguages({
      locales: ['en', 'es'],
      messages: defineMessages({ es: { 'admin.title': 'Panel' } }),
    });
    const es = languages.translator('es').extend(module);
    expect(es.t('admin.title')).toBe('Panel');
    expect(languages.translator('en').extend(module).t('admin.title')).toBe('Administration');
    // Spanish from Basalt beats English from the module: the request's locale comes first.
    expect(es.t('basalt.form.required')).toBe('Este campo es obligatorio.');
    expect(languages.translator('es').extend(module)).toBe(es);
  });

  it("chooses the user's setting before Accept-Language when it is offered", () => {
    const languages = createLanguages({ locales: ['en', 'es'] });
    expect(languages.select({ user: { id: 1, language: 'es' }, acceptLanguage: 'en' })).toBe('es');
    expect(languages.select({ user: { id: 1, language: 'de' }, acceptLanguage: 'es' })).toBe('es');
    expect(languages.select({ user: { id: 1 }, acceptLanguage: 'fr' })).toBe('en');
    const custom = createLanguages({
      locales: ['en', 'es'],
      userLocale: (user) => (user as { lang?: string }).lang,
    });
    expect(custom.select({ user: { id: 1, lang: 'es-AR' }, acceptLanguage: 'en' })).toBe('es');
  });

  it('refuses a catalogue with a broken message at start-up, naming it', () => {
    const broken = defineMessages({ es: { 'shop.cart': '{count, plural, one {# libro}' } });
    expect(() => createLanguages({ locales: ['en', 'es'], messages: broken })).toThrowError(
      expect.objectContaining({
        code: 'BASALT_CONFIG_INVALID',
        message: expect.stringContaining('es "shop.cart"'),
      }),
    );
    expect(() => createLanguages({ locales: ['en'], defaultLocale: 'es' })).toThrowError(
      expect.objectContaining({ code: 'BASALT_CONFIG_INVALID' }),
    );
    expect(() => createLanguages({ locales: ['not a locale'] })).toThrowError(
      expect.objectContaining({ code: 'BASALT_CONFIG_INVALID' }),
    );
  });

  it("ships every key of Basalt's catalogue in English and Spanish (error titles are the problem's in English)", () => {
    const en = Object.keys(basaltMessages.en);
    const es = Object.keys(basaltMessages.es).filter((key) => !key.startsWith('basalt.error.title.'));
    expect(es.sort()).toEqual(en.sort());
    for (const key of en) expect(createLanguages().translator('en').has(key)).toBe(true);
  });

  describe('in pages', () => {
    const Review = t.Object({
      title: t.String({ minLength: 3, maxLength: 20 }),
      stars: t.Integer({ maximum: 5 }),
    });
    const app = defineApp({
      name: 'babel',
      modules: [auth(), views({ languages: { locales: ['en', 'es'], messages: shopMessages } })],
      routes: [
        page('/cart', { query: t.Object({ n: t.Integer() }) }, ({ view, query }) =>
          trustedHtml(
            `<html lang="${view.locale}"><p>${view.i18n.t('shop.cart', { count: query.n })}</p></html>`,
          ),
        ),
        page('/review', { method: 'POST', form: Review }, ({ form }) =>
          respond(form.valid ? 200 : 400, trustedHtml(`<pre>${JSON.stringify(form.errors)}</pre>`)),
        ),
      ],
    });

    it('answers in the language the browser asks for, saying it varies with it', async () => {
      const client = await createTestClient(app);
      try {
        const es = await client.request({
          url: '/cart?n=2',
          headers: { accept: HTML, 'accept-language': 'es-ES,es;q=0.9' },
        });
        expect(es.status).toBe(200);
        expect(es.text).toContain('<html lang="es"><p>2 libros en tu carrito</p>');
        expect(es.headers.vary).toContain('Accept-Language');
        const en = await client.request({
          url: '/cart?n=1',
          headers: { accept: HTML, 'accept-language': 'de, en;q=0.5' },
        });
        expect(en.text).toContain('<html lang="en"><p>1 book in your cart</p>');
      } finally {
        await client.close();
      }
    });

    it('gives form errors in the chosen language, with plurals', async () => {
      const client = await createTestClient(app);
      try {
        const post = (language: string) =>
          client.request({
            method: 'POST',
            url: '/review',
            payload: 'title=ab&stars=9',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'accept-language': language,
              accept: HTML,
            },
          });
        const es = await post('es');
        expect(es.status).toBe(400);
        expect(JSON.parse(/<pre>(.*)<\/pre>/.exec(es.text)![1]!.replaceAll('&quot;', '"'))).toEqual({
          title: 'Escribe al menos 3 caracteres.',
          stars: 'Escribe un valor de como máximo 5.',
        });
        const en = await post('en');
        expect(en.text).toContain('Enter at least 3 characters.');
      } finally {
        await client.close();
      }
    });

    it("speaks a signed-in user's own language on errors raised before page code (404, 400, 403)", async () => {
      const own = defineApp({
        name: 'babel-own',
        modules: [
          auth(),
          views({
            languages: {
              locales: ['en', 'es'],
              messages: shopMessages,
              // The user's setting: Spanish for the .es addresses of this test.
              userLocale: (user) => ((user as { email?: string }).email?.endsWith('.es') ? 'es' : undefined),
            },
          }),
        ],
        routes: [
          page('/cart', { query: t.Object({ n: t.Integer() }) }, ({ view, query }) =>
            trustedHtml(`<p>${view.i18n.t('shop.cart', { count: query.n })}</p>`),
          ),
          page('/staff', { permissions: ['change_book'] }, () => trustedHtml('<p>staff</p>')),
        ],
      });
      const client = await createTestClient(own);
      try {
        await getAuth(client.app).createUser(client.db!, {
          email: 'lucia@example.es',
          password: 'correct horse battery',
        });
        const login = await client.request({
          method: 'POST',
          url: '/auth/session/login',
          payload: { email: 'lucia@example.es', password: 'correct horse battery' },
          headers: { origin: 'http://localhost' },
        });
        expect(login.status).toBe(204);
        const session = String(login.headers['set-cookie']).split(';', 1)[0]!;
        // The browser asks for English; the user's setting says Spanish, and a page remembers it.
        const english = { accept: HTML, 'accept-language': 'en' };
        const cart = await client.request({ url: '/cart?n=2', headers: { ...english, cookie: session } });
        expect(cart.text).toContain('2 libros en tu carrito');
        const remembered = [cart.headers['set-cookie']].flat().find((c) => c?.startsWith('basalt_language='));
        expect(remembered).toMatch(/^basalt_language=es; Path=\/; Max-Age=\d+; SameSite=Lax; HttpOnly/);
        const cookie = `${session}; ${remembered!.split(';', 1)[0]}`;
        const missing = await client.request({ url: '/nowhere', headers: { ...english, cookie } });
        expect(missing.status).toBe(404);
        expect(missing.text).toContain('<h1>404 No encontrado</h1>');
        const invalid = await client.request({ url: '/cart?n=many', headers: { ...english, cookie } });
        expect(invalid.status).toBe(400);
        expect(invalid.text).toMatch(/<html lang="es">/);
        const denied = await client.request({ url: '/staff', headers: { ...english, cookie } });
        expect(denied.status).toBe(403);
        expect(denied.text).toMatch(/<html lang="es">/);
        expect(denied.headers.vary).toContain('Cookie');
        // Written once: a page seen with the cookie in place does not write it again.
        const again = await client.request({ url: '/cart?n=1', headers: { ...english, cookie } });
        expect([again.headers['set-cookie']].flat().some((c) => c?.startsWith('basalt_language='))).toBe(
          false,
        );
        // Without the cookie, an anonymous browser still gets its Accept-Language.
        const anonymous = await client.request({ url: '/nowhere', headers: english });
        expect(anonymous.text).toContain('<h1>404 Not found</h1>');
      } finally {
        await client.close();
      }
    });

    it('renders error pages, the CSRF refusal included, in Spanish', async () => {
      const client = await createTestClient(app);
      try {
        const missing = await client.request({
          url: '/nowhere',
          headers: { accept: HTML, 'accept-language': 'es' },
        });
        expect(missing.status).toBe(404);
        expect(missing.text).toMatch(/^<!DOCTYPE html><html lang="es">/);
        expect(missing.text).toContain(
          '<h1>404 No encontrado</h1><p>La página que buscas no existe o se ha movido.</p>',
        );
        expect(missing.text).toContain(`Identificador de la solicitud: ${missing.headers['x-request-id']}`);
        await getAuth(client.app).createUser(client.db!, {
          email: 'ana@example.com',
          password: 'correct horse battery',
        });
        const login = await client.request({
          method: 'POST',
          url: '/auth/session/login',
          payload: { email: 'ana@example.com', password: 'correct horse battery' },
          headers: { origin: 'http://localhost' },
        });
        expect(login.status).toBe(204);
        const cookie = String(login.headers['set-cookie']).split(';', 1)[0]!;
        const forged = await client.request({
          method: 'POST',
          url: '/review',
          payload: 'title=abcd&stars=1',
          headers: {
            cookie,
            origin: 'http://localhost',
            'content-type': 'application/x-www-form-urlencoded',
            accept: HTML,
            'accept-language': 'es',
          },
        });
        expect(forged.status).toBe(403);
        expect(forged.text).toContain('Se ha rechazado el formulario');
        // An API client keeps problem+json, in English.
        const api = await client.request({
          url: '/nowhere',
          headers: { accept: 'application/json', 'accept-language': 'es' },
        });
        expect(api.headers['content-type']).toContain('application/problem+json');
      } finally {
        await client.close();
      }
    });
  });
});
