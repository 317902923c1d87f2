import { t } from 'basalt';

export const Quote = t.Object(
  { bookId: t.Integer(), price: t.String(), currency: t.String() },
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
  { id: t.Integer(), name: t.String(), email: t.String(), userId: t.Integer() },
  { $id: 'Customer' },
);
