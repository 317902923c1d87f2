import { t } from 'basalt';

/** A row id: the database's 32-bit serial. */
export const Id = t.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const Quote = t.Object(
  {
    bookId: Id,
    // A price of at most 8 digits with 2 decimals, times the largest rate: within 12 characters.
    price: t.String({ pattern: '^\\d+\\.\\d{2}$', maxLength: 12 }),
    currency: t.Union([t.Literal('EUR'), t.Literal('USD'), t.Literal('GBP')]),
  },
  { $id: 'Quote' },
);

export const SignUp = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 120 }),
    email: t.String({ format: 'email', maxLength: 254 }),
    password: t.String({ minLength: 1, maxLength: 4096 }),
  },
  { $id: 'SignUp' },
);

/** A customer as the customer sees it, with the id of the account they sign in with. */
export const Customer = t.Object(
  {
    id: Id,
    name: t.String({ maxLength: 120 }),
    email: t.String({ format: 'email', maxLength: 254 }),
    userId: Id,
  },
  { $id: 'Customer' },
);
