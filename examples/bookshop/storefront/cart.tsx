import { t } from 'basalt';
import { operations } from 'basalt/ops';
import { requestActor } from 'basalt/rest';
import { CsrfField, flash, page, redirect } from 'basalt/views';
import { orderCollection } from '../api.js';
import { Book } from '../models.js';
import { fromCents, toCents } from '../money.js';
import { Id } from '../schemas.js';
import { cartOf } from './catalogue.js';
import { Layout, money } from './layout.js';

/** The cart: each book with its quantity (changeable), the total, and the checkout button. */
export const cartPage = page('/cart', {}, async (ctx) => {
  const { view, db } = ctx;
  const cart = cartOf(ctx);
  const ids = Object.keys(cart).map(Number);
  const books =
    ids.length === 0
      ? []
      : await db
          .query(Book)
          .where({ id: { in: ids } })
          .all();
  const i18n = view.i18n;
  const total = books.reduce((sum, book) => sum + toCents(book.price) * (cart[String(book.id)] ?? 0), 0);
  return (
    <Layout view={view} title={i18n.t('shop.cart.title')} cart={cart}>
      {books.length === 0 ? (
        <p>{i18n.t('shop.cart.empty')}</p>
      ) : (
        <>
          <table class="cart">
            <thead>
              <tr>
                <th>{i18n.t('shop.cart.book')}</th>
                <th>{i18n.t('shop.book.quantity')}</th>
                <th>{i18n.t('shop.book.price')}</th>
              </tr>
            </thead>
            <tbody>
              {books.map((book) => (
                <tr>
                  <td>
                    <a href={`/books/${book.id}`}>{book.title}</a>
                  </td>
                  <td>
                    <form method="post" action="/cart/update">
                      <CsrfField view={view} />
                      <input type="hidden" name="bookId" value={String(book.id)} />
                      <input
                        type="number"
                        name="quantity"
                        min="0"
                        max="99"
                        value={String(cart[String(book.id)] ?? 0)}
                        aria-label={i18n.t('shop.book.quantity')}
                      />{' '}
                      <button type="submit">{i18n.t('shop.cart.update')}</button>
                    </form>
                  </td>
                  <td>{money(view, book.price)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="total">
            {i18n.t('shop.cart.total')}: <strong>{money(view, fromCents(total))}</strong>
          </p>
          <form method="post" action="/checkout">
            <CsrfField view={view} />
            <button type="submit" id="checkout">
              {i18n.t('shop.cart.checkout')}
            </button>
          </form>
        </>
      )}
    </Layout>
  );
});

/** Changes a quantity in the cart (0 removes the book). */
export const updateCart = page(
  '/cart/update',
  { method: 'POST', form: t.Object({ bookId: Id, quantity: t.Integer({ minimum: 0, maximum: 99 }) }) },
  async (ctx) => {
    const { form } = ctx;
    if (form.valid) {
      const cart = { ...cartOf(ctx) };
      if (form.data.quantity === 0) delete cart[String(form.data.bookId)];
      else if (cart[String(form.data.bookId)] !== undefined)
        cart[String(form.data.bookId)] = form.data.quantity;
      await ctx.session.set('cart', cart);
    }
    return redirect('/cart');
  },
);

/**
 * Places the order: the same operation as `POST /api/orders` (the order collection's create,
 * with its lines as a nested write, priced and checked by its hooks, in one transaction).
 */
export const checkout = page('/checkout', { method: 'POST' }, async (ctx) => {
  const { db, view } = ctx;
  if (!ctx.user) {
    await flash(ctx, view.i18n.t('shop.cart.signInFirst'), 'info');
    return redirect('/signin?next=/cart');
  }
  const cart = cartOf(ctx);
  const lines = Object.entries(cart).map(([bookId, quantity]) => ({ bookId: Number(bookId), quantity }));
  if (lines.length === 0) return redirect('/cart');
  const order = await operations(db, { context: ctx }).create(requestActor(ctx), orderCollection, { lines });
  await ctx.session.set('cart', undefined);
  await flash(ctx, view.i18n.t('shop.orders.placed', { id: Number(order.id) }), 'success');
  return redirect(`/orders/${order.id}`);
});
