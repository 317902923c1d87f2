import type { FieldError } from 'basalt';
import { get, PermissionDeniedError, post, t, ValidationError } from 'basalt';
import { Book, Customer, Order, OrderLine } from './models.js';
import { fromCents, toCents } from './money.js';
import { NewOrder, OrderDetail, OrderSummary } from './schemas.js';
import { sendOrderConfirmation } from './tasks.js';

export const placeOrder = post(
  '/api/orders',
  {
    tags: ['orders'],
    summary: 'Place an order as the signed-in customer',
    description:
      'Prices come from the catalogue at the time of the order. An unknown book or a book listed ' +
      'twice is a 400, and nothing is written.',
    auth: 'required',
    body: NewOrder,
    response: OrderDetail,
  },
  ({ db, user, body, jobs }) =>
    db.transaction(async (tx) => {
      const customer = await tx
        .query(Customer)
        .where({ user: { id: Number(user!.id) } })
        .first();
      if (!customer) throw new PermissionDeniedError('Only customers can place orders');

      const ids = body.lines.map((line) => line.bookId);
      const books = new Map(
        (
          await tx
            .query(Book)
            .where({ id: { in: ids } })
            .all()
        ).map((book) => [book.id, book]),
      );
      const problems: FieldError[] = [];
      body.lines.forEach((line, i) => {
        if (!books.has(line.bookId))
          problems.push({ pointer: `/body/lines/${i}/bookId`, detail: 'No such book', code: 'unknown' });
        else if (ids.indexOf(line.bookId) !== i)
          problems.push({
            pointer: `/body/lines/${i}/bookId`,
            detail: 'This book is already in the order; raise its quantity instead',
            code: 'duplicate',
          });
      });
      if (problems.length > 0) throw new ValidationError(problems, 'The order cannot be placed');

      const lines = body.lines.map((line) => {
        const book = books.get(line.bookId)!;
        return { book, quantity: line.quantity, cents: toCents(book.price) };
      });
      const total = lines.reduce((sum, line) => sum + line.cents * line.quantity, 0);
      const order = await tx.create(Order, { customerId: customer.id, total: fromCents(total) });
      await tx.createMany(
        OrderLine,
        lines.map((line) => ({
          orderId: order.id,
          bookId: line.book.id,
          quantity: line.quantity,
          unitPrice: fromCents(line.cents),
        })),
      );
      // In the same transaction: no confirmation for an order that was not placed.
      await jobs.enqueue(sendOrderConfirmation, { orderId: order.id }, { db: tx });
      return {
        id: order.id,
        status: order.status,
        total: order.total,
        createdAt: order.createdAt.toISOString(),
        lines: lines.map((line) => ({
          bookId: line.book.id,
          title: line.book.title,
          quantity: line.quantity,
          unitPrice: fromCents(line.cents),
        })),
      };
    }),
);

export const myOrders = get(
  '/api/me/orders',
  {
    tags: ['orders'],
    summary: "The signed-in customer's orders",
    auth: 'required',
    response: t.Array(OrderSummary),
  },
  async ({ db, user }) => {
    const orders = await db
      .query(Order)
      .where({ customer: { user: { id: Number(user!.id) } } })
      .all();
    return orders.map((o) => ({
      id: o.id,
      status: o.status,
      total: o.total,
      createdAt: o.createdAt.toISOString(),
    }));
  },
);
