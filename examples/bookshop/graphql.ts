import { t } from 'basalt';
import { defineQuery } from 'basalt/graphql';
import { Customer, Order } from './models.js';

/**
 * `me`: the signed-in customer and how many orders they placed (null for anyone else) — a
 * query of the app's own beside the generated catalogue and orders.
 */
export const me = defineQuery({
  description: 'The signed-in customer, or null.',
  type: t.Union([
    t.Object({ name: t.String(), email: t.String(), orders: t.Integer() }, { $id: 'Me' }),
    t.Null(),
  ]),
  resolve: async (_args, { actor, db }) => {
    if (!actor.user) return null;
    const customer = await db
      .query(Customer)
      .where({ user: { id: Number(actor.user.id) } })
      .first();
    if (!customer) return null;
    const orders = await db.query(Order).where({ customerId: customer.id }).count();
    return { name: customer.name, email: customer.email, orders };
  },
});
