import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../core/index.js';

/**
 * Types registered by declaration merging: `basalt/auth` registers `id`, the key type of
 * the app's user model. Without it a user's id is `number | string`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface BasaltUserTypes {}

/** The type of `ctx.user.id`: the user model's key when `basalt/auth` is in the program. */
export type BasaltUserId = BasaltUserTypes extends { id: infer K } ? K : number | string;

/**
 * The user a request acts for. The auth capability fills it in; an app may widen it
 * through declaration merging.
 */
export interface BasaltUser {
  id: BasaltUserId;
}

/**
 * Members other capabilities add to every request context (the data layer adds `db`).
 * Extend it with declaration merging: `declare module 'basalt/http' { interface RequestContextExtensions { ... } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface RequestContextExtensions {}

/** What every handler and dependency receives: the request, its id, logger and user. */
export interface BaseRequestContext {
  request: FastifyRequest;
  reply: FastifyReply;
  /** The request id, also sent back in the `x-request-id` header. */
  requestId: string;
  /** A logger bound to this request's id. */
  log: Logger;
  /** The authenticated user, or null. */
  user: BasaltUser | null;
}

/** The per-request context: base members plus what capabilities add. */
export type RequestContext = BaseRequestContext & RequestContextExtensions;

/** Fills a request context before dependencies and the handler run (e.g. sets `db` or `user`). */
export type ContextProvider = (context: RequestContext) => void | Promise<void>;

/** A hook around every request (see `ModuleSetupApi.addRequestHook`). */
export type RequestHook = (request: FastifyRequest, reply: FastifyReply) => void | Promise<void>;

/**
 * What runs around every request, from before routing to after the answer (see
 * `ModuleSetupApi.wrapRequests`): `enter` calls `next` to go on, so the rest of the request
 * runs inside whatever it sets up (an AsyncLocalStorage context: tracing's span).
 */
export interface RequestWrapper {
  /** First on every request; must call `next` exactly once. */
  enter(request: FastifyRequest, reply: FastifyReply, next: () => void): void;
  /** The request failed with `error`, before its problem answer is sent. */
  failed?(request: FastifyRequest, reply: FastifyReply, error: Error): void;
  /**
   * The answer was sent, or (`reply` null) the client went away before sending the whole
   * request; both may come for one request: be idempotent.
   */
  leave(request: FastifyRequest, reply: FastifyReply | null): void;
}
