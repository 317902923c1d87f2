import type { Child, Html, ViewContext } from 'basalt/views';
import { CsrfField } from 'basalt/views';

/** The cart kept in the session: book id → quantity. */
export type Cart = Record<string, number>;

/** The storefront's page frame: navigation, flash messages, the page's content. */
export function Layout(props: { view: ViewContext; title: string; cart?: Cart; children?: Child }): Html {
  const { view } = props;
  const t = view.i18n;
  const inCart = Object.values(props.cart ?? {}).reduce((sum, n) => sum + n, 0);
  const name = view.user ? String((view.user as { email?: unknown }).email ?? '') : '';
  return (
    <html lang={view.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${t.t('shop.name')}`}</title>
        <link rel="stylesheet" href={view.asset('shop.css')} />
      </head>
      <body>
        <header>
          <strong>{t.t('shop.name')}</strong>
          <a href="/books">{t.t('shop.nav.catalogue')}</a>
          <a href="/cart" id="cart-link">
            {t.t('shop.nav.cart', { count: inCart })}
          </a>
          {view.user ? (
            <>
              <a href="/orders">{t.t('shop.nav.orders')}</a>
              <span class="who">{t.t('shop.nav.signedInAs', { name })}</span>
              <form method="post" action="/signout">
                <CsrfField view={view} />
                <button type="submit">{t.t('shop.nav.signOut')}</button>
              </form>
            </>
          ) : (
            <>
              <a href="/signin">{t.t('shop.nav.signIn')}</a>
              <a href="/signup">{t.t('shop.nav.signUp')}</a>
            </>
          )}
        </header>
        <main>
          {view.messages.map((m) => (
            <p class={`flash ${m.level}`}>{m.text}</p>
          ))}
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A price in the reader's way of writing money (`12,50 €`). */
export function money(view: ViewContext, price: string | number): string {
  return view.i18n.currency(Number(price), 'EUR');
}
