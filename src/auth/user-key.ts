import type { AnyModel, PrimaryKeyOf } from '../db/index.js';
import type { User } from './models.js';

/**
 * Registers the app's user model with the type system (declaration merging), so user ids
 * (`ctx.user.id`, `AuthUser.id`) have its key type. Without it the built-in `User` is
 * assumed (integer keys); register a model of your own only when its key is a UUID.
 *
 * @example
 * declare module 'basalt/auth' {
 *   interface AuthRegister { userModel: typeof User }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface AuthRegister {}

/** The user model the types assume: the one registered in {@link AuthRegister}, else the built-in `User`. */
export type RegisteredUserModel = AuthRegister extends { userModel: infer M extends AnyModel }
  ? M
  : typeof User;

/** The key type of the user model: `number` for the built-in `User`, `string` for a UUID key. */
export type UserKey = PrimaryKeyOf<RegisteredUserModel>;
