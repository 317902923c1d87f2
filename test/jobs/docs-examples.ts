// The code blocks of docs/jobs.md, each between `// #region` and `// #endregion`:
// test/jobs/docs.test.ts checks that every block of the page is one of these regions, and runs them.
// #region task
import { defineApp } from 'basalt';
import { auth } from 'basalt/auth';
import { defineModel, f } from 'basalt/db';
import { post, t } from 'basalt/http';
import { defineSchedule, defineTask, jobs } from 'basalt/jobs';

export const sendReceipt = defineTask(
  'send-receipt',
  {
    input: t.Object({ orderId: t.Integer(), email: t.String({ format: 'email' }) }),
    retries: 5,
    backoff: { type: 'exponential', delay: 2_000 },
    timeout: 30_000,
    queue: 'mail',
    unique: (input) => `order-${input.orderId}`,
  },
  async ({ input, log, job }) => {
    log.info({ attempt: job.attempt }, `receipt for order ${input.orderId} to ${input.email}`);
    return { sent: true };
  },
);
// #endregion

export const Order = defineModel('order', { email: f.email({ max: 254 }) });

// #region permanent
import { PermanentError } from 'basalt/jobs';

export const refundOrder = defineTask(
  'refund-order',
  { input: t.Object({ orderId: t.Integer() }), retries: 5 },
  async ({ input, db }) => {
    const order = await db.query(Order).where({ id: input.orderId }).first();
    // No retry brings a deleted order back: the job fails now, its retries unused.
    if (!order) throw new PermanentError(`Order ${input.orderId} does not exist`);
    return { refunded: order.id };
  },
);
// #endregion

// #region schedule
export const salesReport = defineTask(
  'sales-report',
  { input: t.Object({ days: t.Integer() }) },
  async ({ input, db }) => {
    const orders = await db.query(Order).count();
    return { orders, days: input.days };
  },
);

export const nightlyReport = defineSchedule(
  '0 3 * * *',
  salesReport,
  { days: 1 },
  {
    timezone: 'Europe/Paris',
    catchUp: 1,
  },
);
// #endregion

// #region endpoint
export const placeOrder = post(
  '/orders',
  { body: t.Object({ email: t.String({ format: 'email' }) }) },
  async ({ body, db, jobs }) =>
    db.transaction(async (tx) => {
      const order = await tx.create(Order, { email: body.email });
      // Inserted in the same transaction: no order without its receipt job, and no job without its order.
      await jobs.enqueue(sendReceipt, { orderId: order.id, email: body.email }, { db: tx });
      return order;
    }),
);
// #endregion

// #region app
export const shop = defineApp({
  name: 'shop',
  modules: [auth(), jobs({ tasks: [sendReceipt], schedules: [nightlyReport] })],
  models: [Order],
  routes: [placeOrder],
});
// #endregion

/** The enqueue examples of the page, run by the docs test once the app has started. */
export async function enqueueExamples() {
  // #region enqueue
  const job = await sendReceipt.enqueue({ orderId: 7, email: 'ann@example.com' });
  await job.state(); // 'queued', then 'active', 'completed'
  const later = await sendReceipt.enqueue(
    { orderId: 8, email: 'bob@example.com' },
    { delay: 60_000, priority: 10, idempotencyKey: 'receipt-8' },
  );
  const again = await sendReceipt.enqueue(
    { orderId: 8, email: 'bob@example.com' },
    { idempotencyKey: 'receipt-8' },
  );
  // again.id === later.id: one job per idempotency key
  // #endregion
  // #region enqueueMany
  const receipts = await sendReceipt.enqueueMany(
    [
      { orderId: 9, email: 'cy@example.com' },
      { orderId: 10, email: 'di@example.com' },
    ],
    { delay: 60_000 },
  );
  // receipts[i] is the job of the i-th input, all added by one INSERT (Redis: one addBulk)
  // #endregion
  return { job, later, again, receipts };
}
