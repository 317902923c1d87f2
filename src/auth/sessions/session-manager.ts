import type { FastifyReply } from 'fastify';
import type { Executor } from '../../db/index.js';
import type { RequestContext } from '../../http/index.js';
import type { AuthService, AuthUser } from '../service.js';
import type { SessionBackend, SessionRecord } from './backends/backend.js';
import type { SessionSettings } from './config.js';
import { type CookieAttributes, readCookie, setCookie } from './cookies.js';
import { CSRF_HEADER, isUnsafeMethod, type OriginPolicy } from './csrf.js';
import { CsrfError } from './errors.js';
import { RequestSession, type SessionOperations } from './request-session.js';
import { hashSessionId, type SessionSigner } from './signing.js';

/** Builds the `ctx.auth` of a request authenticated as `user` (given by the auth module). */
export type AuthenticatedContext = (ctx: RequestContext, user: AuthUser, method: 'session') => void;

interface LiveSession {
  id: string;
  hash: string;
  record: SessionRecord;
}

const STATE: unique symbol = Symbol('basalt.session.state');
type StatefulContext = RequestContext & { [STATE]?: LiveSession };

/** What a {@link SessionManager} is built from. */
export interface SessionManagerParts {
  backend: SessionBackend;
  signer: SessionSigner;
  origins: OriginPolicy;
  settings: SessionSettings;
  service: AuthService;
  /** Routes that only need the Origin check, not the CSRF token (the login endpoint). */
  tokenExempt: ReadonlySet<string>;
}

/** Loads, writes and rotates the sessions of one app, and enforces CSRF. */
export class SessionManager implements SessionOperations {
  readonly #backend: SessionBackend;
  readonly #signer: SessionSigner;
  readonly #origins: OriginPolicy;
  readonly #service: AuthService;
  readonly #cookie: CookieAttributes;
  readonly #ageMs: number;
  readonly #age: number;
  readonly #tokenExempt: ReadonlySet<string>;
  #authenticated: AuthenticatedContext | undefined;

  constructor(parts: SessionManagerParts) {
    this.#backend = parts.backend;
    this.#signer = parts.signer;
    this.#origins = parts.origins;
    this.#service = parts.service;
    this.#cookie = { name: parts.settings.cookieName, secure: parts.settings.secure };
    this.#age = parts.settings.cookieAge;
    this.#ageMs = parts.settings.cookieAge * 1000;
    this.#tokenExempt = parts.tokenExempt;
  }

  get origins(): OriginPolicy {
    return this.#origins;
  }

  /**
   * Installs `ctx.session` and, when the request carries a session cookie, loads the
   * session, checks CSRF on unsafe methods and authenticates its user. Without the cookie
   * it is synchronous and allocates only the two-field `ctx.session` view (a lazy getter
   * installed with defineProperty measured twenty times slower).
   */
  provide(ctx: RequestContext, authenticated: AuthenticatedContext): void | Promise<void> {
    this.#authenticated = authenticated;
    ctx.session = new RequestSession(this, ctx);
    const header = ctx.request.headers.cookie;
    if (header === undefined) return undefined;
    const value = readCookie(header, this.#cookie.name);
    if (value === undefined) return undefined;
    const id = this.#signer.unsign(value);
    if (id === undefined) {
      // Tampered with, or signed with another SECRET_KEY: anonymous, and the cookie goes.
      this.#clearCookie(ctx.reply);
      return undefined;
    }
    return this.#load(ctx as StatefulContext, id, authenticated);
  }

  /**
   * Installs `ctx.session` for a request authenticated otherwise (a bearer token): the session
   * cookie, if any, is neither read nor CSRF-checked, so the view starts with no session.
   */
  provideDetached(ctx: RequestContext): void {
    ctx.session = new RequestSession(this, ctx);
  }

  /** Keeps a single-use value server-side under `hash` for `seconds`. */
  keepOnce(db: Executor, hash: string, data: Record<string, unknown>, seconds: number): Promise<void> {
    return this.#backend.save(db, hash, {
      userId: null,
      data,
      expiresAt: new Date(Date.now() + seconds * 1000),
    });
  }

  /** Takes a value kept by {@link keepOnce}: at most once, and never once expired. */
  async takeOnce(db: Executor, hash: string): Promise<Record<string, unknown> | undefined> {
    const record = await this.#backend.take(db, hash);
    if (!record || record.expiresAt.getTime() <= Date.now()) return undefined;
    return record.data;
  }

  async #load(ctx: StatefulContext, id: string, authenticated: AuthenticatedContext): Promise<void> {
    const hash = hashSessionId(id);
    const record = await this.#backend.load(ctx.db, hash);
    if (!record) return this.#clearCookie(ctx.reply);
    if (record.expiresAt.getTime() <= Date.now()) {
      await this.#backend.delete(ctx.db, hash, record.userId);
      return this.#clearCookie(ctx.reply);
    }
    ctx[STATE] = { id, hash, record };
    const request = ctx.request;
    if (isUnsafeMethod(request.method)) {
      this.#origins.check(request);
      // A form page (basalt/views) checks the token of its body itself, before its handler runs.
      const inForm = request.routeOptions.config?.csrf === 'form';
      if (!inForm && !this.#tokenExempt.has(`${request.method} ${request.routeOptions.url}`)) {
        const token = request.headers[CSRF_HEADER];
        if (typeof token !== 'string' || token === '')
          throw new CsrfError(`CSRF token missing: send it in the X-CSRF-Token header`);
        if (!this.#signer.checkCsrfToken(id, token)) throw new CsrfError('CSRF token incorrect');
      }
    }
    if (record.userId === null) return;
    const user = await this.#service.activeUser(ctx.db, record.userId);
    if (user) authenticated(ctx, user, 'session');
  }

  exists(ctx: RequestContext): boolean {
    return (ctx as StatefulContext)[STATE] !== undefined;
  }

  get(ctx: RequestContext, key: string): unknown {
    const data = (ctx as StatefulContext)[STATE]?.record.data;
    return data && Object.hasOwn(data, key) ? data[key] : undefined;
  }

  async set(ctx: RequestContext, key: string, value: unknown): Promise<void> {
    const live = (ctx as StatefulContext)[STATE];
    const data = { ...live?.record.data };
    if (value === undefined) delete data[key];
    else data[key] = value;
    if (!live) return this.#start(ctx, null, data);
    live.record = { userId: live.record.userId, data, expiresAt: this.#expiry() };
    await this.#backend.save(ctx.db, live.hash, live.record);
    setCookie(ctx.reply, this.#cookie, this.#signer.sign(live.id), this.#age);
  }

  async login(ctx: RequestContext, user: AuthUser): Promise<void> {
    const live = (ctx as StatefulContext)[STATE];
    let data: Record<string, unknown> = {};
    if (live) {
      const previous = live.record.userId;
      if (previous === null || String(previous) === String(user.id)) data = live.record.data;
      // Rotation: the id an attacker may have planted (session fixation) dies here.
      await this.#backend.delete(ctx.db, live.hash, previous);
    }
    await this.#start(ctx, user.id, data);
    this.#authenticated?.(ctx, user, 'session');
  }

  async logout(ctx: RequestContext): Promise<void> {
    const state = ctx as StatefulContext;
    const live = state[STATE];
    if (live) await this.#backend.delete(ctx.db, live.hash, live.record.userId);
    state[STATE] = undefined;
    ctx.user = null;
    this.#clearCookie(ctx.reply);
  }

  csrfToken(ctx: RequestContext): string | undefined {
    const live = (ctx as StatefulContext)[STATE];
    return live ? this.#signer.csrfToken(live.id) : undefined;
  }

  /** Ends every session of a user (password change, logout everywhere). */
  endAllFor(db: Executor, userId: AuthUser['id']): Promise<void> {
    return this.#backend.deleteAllFor(db, userId);
  }

  close(): Promise<void> {
    return this.#backend.close();
  }

  async #start(ctx: RequestContext, userId: AuthUser['id'] | null, data: Record<string, unknown>) {
    const id = this.#signer.newId();
    const live: LiveSession = {
      id,
      hash: hashSessionId(id),
      record: { userId, data, expiresAt: this.#expiry() },
    };
    await this.#backend.save(ctx.db, live.hash, live.record);
    (ctx as StatefulContext)[STATE] = live;
    setCookie(ctx.reply, this.#cookie, this.#signer.sign(id), this.#age);
  }

  #expiry(): Date {
    return new Date(Date.now() + this.#ageMs);
  }

  #clearCookie(reply: FastifyReply): void {
    setCookie(reply, this.#cookie, '', 0);
  }
}
