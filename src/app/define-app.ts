import type { ConfigSchema } from '../core/index.js';
import type { AnyEndpoint, EndpointRateLimit, OpenApiInfo } from '../http/index.js';
import type { AppCheck, AppCommand, ModuleDefinition } from './define-module.js';

/** An app: a root module with a name, OpenAPI info and typed routes. */
export interface AppDefinition<
  R extends readonly AnyEndpoint[] = readonly AnyEndpoint[],
  C extends ConfigSchema | undefined = ConfigSchema | undefined,
> extends ModuleDefinition {
  readonly kind: 'app';
  readonly name: string;
  readonly routes: R;
  readonly config?: C;
  readonly info: OpenApiInfo;
  /** Folder of the app's migration files; `migrations` in the working directory when not given. */
  readonly migrations?: string | URL;
  /** The default rate-limit policy of every endpoint without a `rateLimit` of its own. */
  readonly rateLimit?: EndpointRateLimit;
}

/** What `defineApp` accepts. */
export interface AppOptions<R extends readonly AnyEndpoint[], C extends ConfigSchema | undefined> {
  name?: string;
  /** OpenAPI title/version/description; defaults from the name. */
  info?: Partial<OpenApiInfo>;
  routes?: R;
  config?: C;
  models?: readonly unknown[];
  modules?: readonly ModuleDefinition[];
  commands?: readonly AppCommand[];
  checks?: readonly AppCheck[];
  setup?: ModuleDefinition['setup'];
  /** Folder of the migration files, e.g. `new URL('./migrations', import.meta.url)`. */
  migrations?: string | URL;
  /**
   * The default rate-limit policy: every endpoint without a `rateLimit` of its own (and not
   * `rateLimit: false`) is counted under this one limit, per client IP unless `key` says
   * otherwise, and its answers carry the `RateLimit-*` headers (declared in OpenAPI).
   *
   * @example
   * defineApp({ name: 'shop', rateLimit: { max: 600, window: '1m', key: 'user' } });
   */
  rateLimit?: EndpointRateLimit;
}

/**
 * Declares an app. Export it as the default export of your app file; the CLI finds it there.
 *
 * @example
 * export default defineApp({ name: 'bookshop', routes: [listBooks, getBook] });
 */
export function defineApp<
  const R extends readonly AnyEndpoint[] = [],
  C extends ConfigSchema | undefined = undefined,
>(options: AppOptions<R, C>): AppDefinition<R, C> {
  const name = options.name ?? 'app';
  return {
    ...options,
    kind: 'app',
    name,
    routes: options.routes ?? ([] as unknown as R),
    info: { title: name, version: '0.1.0', ...options.info },
  };
}

/** True for values made by {@link defineApp}. */
export function isAppDefinition(value: unknown): value is AppDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'app';
}
