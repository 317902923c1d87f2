import type { RequestContext } from '../../http/index.js';
import type { AuthUser } from '../service.js';

/**
 * The session of a request, as handlers see it (`ctx.session`). Writes are persisted at
 * once (each `set` is one store write) and renew the session's lifetime and cookie.
 *
 * @example
 * await ctx.session.set('cart', [...(ctx.session.get<number[]>('cart') ?? []), bookId]);
 */
export interface Session {
  /** True when the request carries a live session (signed in or anonymous). */
  readonly exists: boolean;
  /** A value stored in the session, or undefined. */
  get<T = unknown>(key: string): T | undefined;
  /**
   * Stores a JSON value (undefined removes the key). Starts an anonymous session (and sets
   * its cookie) when the request has none.
   */
  set(key: string, value: unknown): Promise<void>;
  /**
   * Signs `user` in: the session id always rotates (the old id stops working); data of an
   * anonymous session, or of the same user's, is carried over, another user's is dropped.
   */
  login(user: AuthUser): Promise<void>;
  /** Deletes the session and its cookie; the request becomes anonymous. */
  logout(): Promise<void>;
  /** The CSRF token unsafe requests of this session must send, or undefined without a session. */
  csrfToken(): string | undefined;
}

declare module '../../http/context.js' {
  interface RequestContextExtensions {
    /** The browser session of the request (present when the app uses `auth()`). */
    session: Session;
  }
}

/** What the session view delegates to (the session manager of the app). */
export interface SessionOperations {
  exists(ctx: RequestContext): boolean;
  get(ctx: RequestContext, key: string): unknown;
  set(ctx: RequestContext, key: string, value: unknown): Promise<void>;
  login(ctx: RequestContext, user: AuthUser): Promise<void>;
  logout(ctx: RequestContext): Promise<void>;
  csrfToken(ctx: RequestContext): string | undefined;
}

/** `ctx.session`: a thin view binding the app's session operations to one request. */
export class RequestSession implements Session {
  readonly #ops: SessionOperations;
  readonly #ctx: RequestContext;

  constructor(ops: SessionOperations, ctx: RequestContext) {
    this.#ops = ops;
    this.#ctx = ctx;
  }

  get exists(): boolean {
    return this.#ops.exists(this.#ctx);
  }

  get<T = unknown>(key: string): T | undefined {
    return this.#ops.get(this.#ctx, key) as T | undefined;
  }

  set(key: string, value: unknown): Promise<void> {
    return this.#ops.set(this.#ctx, key, value);
  }

  login(user: AuthUser): Promise<void> {
    return this.#ops.login(this.#ctx, user);
  }

  logout(): Promise<void> {
    return this.#ops.logout(this.#ctx);
  }

  csrfToken(): string | undefined {
    return this.#ops.csrfToken(this.#ctx);
  }
}
