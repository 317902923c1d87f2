import type { Check, Command, ConfigSchema, Logger } from '../core/index.js';
import type {
  AnyEndpoint,
  Authentication,
  ContextProvider,
  RateLimitStore,
  RequestHook,
  RequestWrapper,
} from '../http/index.js';
import type { Mailer } from '../mail/index.js';
import type { BasaltApp } from './basalt-app.js';

/** A start-up check over a created app. */
export type AppCheck = Check<BasaltApp>;

/** A CLI command contributed by a module; `loadApp` gives it the created app. */
export type AppCommand = Command<BasaltApp>;

/** What a module's `setup` can add while the app is being created. */
export interface ModuleSetupApi {
  readonly config: Readonly<Record<string, unknown>>;
  readonly log: Logger;
  addRoutes(...routes: AnyEndpoint[]): void;
  addChecks(...checks: AppCheck[]): void;
  /** Fills every request context before dependencies run (e.g. `db`, `user`). */
  provideContext(provider: ContextProvider): void;
  /** Runs when the app starts (before it listens); hooks run in module order. */
  onStart(hook: (app: BasaltApp) => void | Promise<void>): void;
  /** Runs when the app stops (after in-flight requests finished); hooks run in reverse order. */
  onStop(hook: (app: BasaltApp) => void | Promise<void>): void;
  /**
   * Runs on every request before routing and validation (Flask's `before_request`), or after
   * the answer was sent (`after_request`). Throwing from `onRequest` answers with that error.
   */
  addRequestHook(phase: 'onRequest' | 'onResponse', hook: RequestHook): void;
  /**
   * Runs `wrapper` around every request, before routing until after the answer: its `enter`
   * calls `next`, so the rest of the request (hooks, handler, database calls) runs inside the
   * context it sets up — what tracing needs and an `onRequest` hook cannot give.
   */
  wrapRequests(wrapper: RequestWrapper): void;
  /**
   * Installs the app's authentication (`basalt/auth` does): what endpoints' `auth` and
   * `permissions` are enforced and documented with. One per app.
   */
  useAuthentication(authentication: Authentication): void;
  /**
   * The app's rate-limit counters, created on first use: in memory, or in Redis when
   * REDIS_URL is set (shared by every process). Endpoints' `rateLimit` uses the same store.
   */
  rateLimitStore(): Promise<RateLimitStore>;
  /** A readiness probe for `/health/ready`; throw to report not ready. */
  addReadinessProbe(name: string, probe: () => void | Promise<void>): void;
  /** The app's mail, from MAIL_URL and MAIL_FROM (password-reset mail goes there). */
  readonly mail: Mailer;
}

/**
 * A reusable unit of an app (a Django app, a Flask extension): routes, models, commands,
 * checks, configuration and hooks. Basalt's own capabilities are modules too.
 */
export interface ModuleDefinition {
  readonly name: string;
  /** Settings this module reads from the environment, merged into the app's configuration. */
  readonly config?: ConfigSchema;
  readonly routes?: readonly AnyEndpoint[];
  /** Models declared with `defineModel` (read by the data layer). */
  readonly models?: readonly unknown[];
  readonly commands?: readonly AppCommand[];
  readonly checks?: readonly AppCheck[];
  /** Modules this one needs; each is included once. */
  readonly modules?: readonly ModuleDefinition[];
  setup?(api: ModuleSetupApi): void | Promise<void>;
}

/**
 * Declares a module.
 *
 * @example
 * export const newsletter = defineModule({
 *   name: 'newsletter',
 *   config: defineConfig({ NEWSLETTER_FROM: t.String({ format: 'email' }) }),
 *   routes: [subscribe],
 *   setup(api) { api.onStart(() => api.log.info('newsletter ready')); },
 * });
 */
export function defineModule<const M extends ModuleDefinition>(module: M): M {
  return module;
}

/** Depth-first order of a module tree, dependencies first, each module once. */
export function flattenModules(
  modules: readonly ModuleDefinition[],
  seen = new Set<ModuleDefinition>(),
): ModuleDefinition[] {
  const order: ModuleDefinition[] = [];
  for (const module of modules) {
    if (seen.has(module)) continue;
    seen.add(module);
    order.push(...flattenModules(module.modules ?? [], seen), module);
  }
  return order;
}

/** Declares a start-up check with an id-carrying result (`myapp.E001`). */
export function defineCheck(check: AppCheck): AppCheck {
  return check;
}
