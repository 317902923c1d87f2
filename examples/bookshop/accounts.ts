import { ConflictError, post, type Static } from 'basalt';
import type { AuthService } from 'basalt/auth';
import { type Database, UniqueViolationError } from 'basalt/db';
import { Customer as CustomerModel } from './models.js';
import { Customer, SignUp } from './schemas.js';

/**
 * Creates an account (a user) and its customer profile together or not at all: what the
 * sign-up endpoint and the storefront's sign-up page both do. A refused password is a 400
 * naming `pointer`; an email already in use a 409 naming `/body/email`.
 */
export async function registerCustomer(
  db: Database,
  service: AuthService,
  input: Static<typeof SignUp>,
  pointer = '/body/password',
): Promise<Static<typeof Customer>> {
  const email = service.normalizeUsername(input.email);
  // Checked before the transaction opens: the answer names the field, and a refused
  // password never holds the database.
  service.validatePassword(input.password, { email, firstName: input.name }, pointer);
  try {
    return await db.transaction(async (tx) => {
      const user = await service.createUser(tx, { email, password: input.password }, { validate: false });
      const customer = await tx.create(CustomerModel, { name: input.name, email, userId: Number(user.id) });
      return { id: customer.id, name: customer.name, email: customer.email, userId: Number(user.id) };
    });
  } catch (error) {
    // The email may be taken by a user or by a customer without an account (orders taken by
    // phone). Either way the transaction rolled back, and a customer is never linked to a new
    // account without proof that the email is theirs.
    if (error instanceof UniqueViolationError && error.fields.includes('email')) {
      throw new ConflictError('An account with this email already exists', {
        errors: [{ pointer: '/body/email', detail: 'This email is already in use', code: 'unique' }],
      });
    }
    throw error;
  }
}

/**
 * Self-service sign-up: the account (a user) and its customer profile are created together
 * or not at all. The new customer then signs in with `POST /auth/token`.
 */
export const signUp = post(
  '/api/signup',
  {
    tags: ['customers'],
    summary: 'Sign up as a customer',
    auth: 'none',
    description:
      'Creates an account and its customer profile in one transaction. The password must pass ' +
      'the password validators (400 naming /body/password); an email already in use is a 409.',
    body: SignUp,
    response: Customer,
    rateLimit: { max: 10, window: '1h' },
    problems: [409],
  },
  ({ db, auth, body }) => registerCustomer(db, auth.service, body),
);
