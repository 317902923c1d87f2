import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { RequestContext } from './context.js';

/** An OpenAPI security scheme a dependency stands for, e.g. a bearer token. */
export interface SecurityScheme {
  /** Name in `components.securitySchemes`, e.g. `bearerAuth`. */
  name: string;
  definition: Record<string, unknown>;
}

type StaticOrEmpty<S> = S extends TSchema ? Static<S> : Record<string, never>;

/** What a dependency's `resolve` receives. */
export type DependencyContext<Q, H, U> = RequestContext & {
  query: StaticOrEmpty<Q>;
  headers: StaticOrEmpty<H>;
} & ResolvedDependencies<U>;

/**
 * A reusable piece of request handling (FastAPI's `Depends`): declares the query
 * parameters and headers it reads (documented in OpenAPI for every endpoint that uses it)
 * and computes a value handed to the handler.
 */
export interface Dependency<T = unknown, Q = undefined, H = undefined, U = undefined> {
  readonly kind: 'dependency';
  readonly query: Q;
  readonly headers: H;
  readonly use: U;
  readonly security: SecurityScheme | undefined;
  readonly resolve: (context: DependencyContext<Q, H, U>) => T | Promise<T>;
}

/** A dependency of any shape. */
// biome-ignore lint/suspicious/noExplicitAny: the variance sink for heterogeneous dependency maps
export type AnyDependency = Dependency<any, any, any, any>;

/** A map of named dependencies an endpoint uses. */
export type Dependencies = Record<string, AnyDependency>;

/** The values a map of dependencies resolves to. */
export type ResolvedDependencies<U> = U extends Dependencies
  ? { [K in keyof U]: U[K] extends Dependency<infer T, infer _Q, infer _H, infer _U> ? Awaited<T> : never }
  : unknown;

/**
 * Declares a dependency.
 *
 * @example
 * const pagination = defineDependency({
 *   query: t.Object({ page: t.Integer({ minimum: 1, default: 1 }) }),
 *   resolve: ({ query }) => ({ offset: (query.page - 1) * 20, limit: 20 }),
 * });
 * get('/books', { use: { page: pagination } }, ({ page }) => ...);
 */
export function defineDependency<
  T,
  Q extends TObject | undefined = undefined,
  H extends TObject | undefined = undefined,
  U extends Dependencies | undefined = undefined,
>(spec: {
  query?: Q;
  headers?: H;
  use?: U;
  security?: SecurityScheme;
  resolve: (context: DependencyContext<Q, H, U>) => T | Promise<T>;
}): Dependency<T, Q, H, U> {
  return {
    kind: 'dependency',
    query: spec.query as Q,
    headers: spec.headers as H,
    use: spec.use as U,
    security: spec.security,
    resolve: spec.resolve,
  };
}

/** Every dependency reachable from `use`, dependencies of dependencies first. */
export function flattenDependencies(
  use: Dependencies | undefined,
  seen = new Set<AnyDependency>(),
): AnyDependency[] {
  const order: AnyDependency[] = [];
  for (const dependency of Object.values(use ?? {})) {
    if (seen.has(dependency)) continue;
    seen.add(dependency);
    order.push(...flattenDependencies(dependency.use as Dependencies | undefined, seen), dependency);
  }
  return order;
}

/**
 * Resolves `use` into `target`, once per dependency per request (a dependency used twice,
 * directly or through another, runs once — as FastAPI caches them).
 */
export async function resolveDependencies(
  use: Dependencies,
  context: Record<string, unknown>,
  cache: Map<AnyDependency, unknown>,
  target: Record<string, unknown>,
): Promise<void> {
  for (const [name, dependency] of Object.entries(use)) {
    if (!cache.has(dependency)) {
      let dependencyContext = context;
      if (dependency.use) {
        dependencyContext = { ...context };
        await resolveDependencies(dependency.use as Dependencies, context, cache, dependencyContext);
      }
      cache.set(dependency, await dependency.resolve(dependencyContext as never));
    }
    target[name] = cache.get(dependency);
  }
}
