import { consoleMailBackend } from 'basalt';
import { agg } from 'basalt/db';
import { t } from 'basalt/http';
import { defineSchedule, defineTask } from 'basalt/jobs';
import { Customer, Order } from './models.js';

/**
 * Cover thumbnails: listed in jobs({ tasks }), Basalt's thumbnail task makes every size of
 * storage({ thumbnailSizes }) (64, 128, 256 and 512 squares) in a worker once a new cover is
 * saved, on the `storage` queue; a thumbnail requested before its job ran is made on request.
 */
export { thumbnailTask } from 'basalt/storage';

/**
 * Mails the customer a confirmation of their order (to the log: the console mail backend).
 * Enqueued in the transaction that places the order, so it runs only for orders that exist.
 * Delivery is at-least-once: a retry after a crash may mail twice, which a confirmation can bear.
 */
export const sendOrderConfirmation = defineTask(
  'send-order-confirmation',
  {
    input: t.Object({ orderId: t.Integer({ minimum: 1 }) }),
    retries: 5,
    backoff: 'exponential',
    timeout: 30_000,
    queue: 'mail',
    unique: (input) => `order-${input.orderId}`,
  },
  async ({ input, db, log }) => {
    const order = await db.get(Order, input.orderId);
    const customer = await db.get(Customer, order.customerId);
    const message = {
      to: customer.email,
      subject: `Your bookshop order #${order.id}`,
      text: `Hello ${customer.name},\n\nWe received your order #${order.id} (total ${order.total}). Thank you!`,
    };
    await consoleMailBackend(log).send(message);
    return { to: message.to, subject: message.subject };
  },
);

/** Orders and takings of the last `days` days, written to the log. */
export const salesReport = defineTask(
  'sales-report',
  { input: t.Object({ days: t.Integer({ minimum: 1, maximum: 366 }) }), queue: 'reports', retries: 2 },
  async ({ input, db, log }) => {
    const since = new Date(Date.now() - input.days * 86_400_000);
    const { orders, takings } = await db
      .query(Order)
      .where({ createdAt: { gte: since }, status: { in: ['placed', 'paid', 'shipped'] } })
      .aggregate({ orders: agg.count(), takings: agg.sum('total') });
    const report = { since: since.toISOString(), orders, takings: takings ?? '0.00' };
    log.info({ report }, `sales report: ${orders} order(s), ${report.takings} taken`);
    return report;
  },
);

/** The sales report of the day before, every night at 02:00 London time (a missed night is caught up once). */
export const nightlySalesReport = defineSchedule(
  '0 2 * * *',
  salesReport,
  { days: 1 },
  { name: 'nightly-sales-report', timezone: 'Europe/London', catchUp: 1 },
);
