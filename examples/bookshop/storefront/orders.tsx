import { t } from 'basalt';
import { operations } from 'basalt/ops';
import { requestActor } from 'basalt/rest';
import { page, type ViewContext } from 'basalt/views';
import { orderCollection } from '../api.js';
import { Book } from '../models.js';
import { Id } from '../schemas.js';
import { cartOf } from './catalogue.js';
import { Layout, money } from './layout.js';

interface ShownOrder {
  id: number;
  status: string;
  total: string;
  createdAt: string;
  lines?: { bookId: number; quantity: number; unitPrice: string }[];
}

function OrderSummary(props: { view: ViewContext; order: ShownOrder }) {
  const { view, order } = props;
  const i18n = view.i18n;
  const count = (order.lines ?? []).reduce((sum, line) => sum + line.quantity, 0);
  return (
    <li class="order">
      <a href={`/orders/${order.id}`}>{i18n.t('shop.orders.order', { id: order.id })}</a> ·{' '}
      {i18n.t('shop.orders.placedOn', { date: i18n.date(order.createdAt) })} ·{' '}
      {i18n.t('shop.orders.lines', { count })} · <strong>{money(view, order.total)}</strong> ·{' '}
      <span class="status">{order.status}</span>
    </li>
  );
}

/** "My orders": the orders the signed-in customer may see (the collection's scope: their own). */
export const myOrders = page('/orders', { auth: 'required', signIn: '/signin' }, async (ctx) => {
  const { view, db } = ctx;
  const listed = await operations(db).list(requestActor(ctx), orderCollection, { include: 'lines' });
  const orders = listed.results as unknown as ShownOrder[];
  return (
    <Layout view={view} title={view.i18n.t('shop.orders.title')} cart={cartOf(ctx)}>
      {orders.length === 0 ? <p>{view.i18n.t('shop.orders.none')}</p> : null}
      <ul class="orders">
        {orders.map((order) => (
          <OrderSummary view={view} order={order} />
        ))}
      </ul>
    </Layout>
  );
});

/** One order with its lines; anyone else's order is a 404, as through the API. */
export const orderPage = page(
  '/orders/:id',
  { auth: 'required', signIn: '/signin', params: t.Object({ id: Id }) },
  async (ctx) => {
    const { view, db, params } = ctx;
    const order = (await operations(db).get(requestActor(ctx), orderCollection, params.id, {
      include: 'lines',
    })) as unknown as ShownOrder;
    const lines = order.lines ?? [];
    const books = new Map(
      lines.length === 0
        ? []
        : (
            await db
              .query(Book)
              .where({ id: { in: lines.map((l) => l.bookId) } })
              .all()
          ).map((b) => [b.id, b]),
    );
    const i18n = view.i18n;
    return (
      <Layout view={view} title={i18n.t('shop.orders.order', { id: order.id })} cart={cartOf(ctx)}>
        <p>
          {i18n.t('shop.orders.placedOn', { date: i18n.date(order.createdAt) })} ·{' '}
          {i18n.t('shop.orders.status')}: <span class="status">{order.status}</span>
        </p>
        <table class="lines">
          <tbody>
            {lines.map((line) => (
              <tr>
                <td>
                  <a href={`/books/${line.bookId}`}>{books.get(line.bookId)?.title ?? `#${line.bookId}`}</a>
                </td>
                <td>× {line.quantity}</td>
                <td>{money(view, line.unitPrice)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="total">
          {i18n.t('shop.cart.total')}: <strong>{money(view, order.total)}</strong>
        </p>
      </Layout>
    );
  },
);
