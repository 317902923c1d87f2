import type { AnyModel } from '../db/index.js';
import {
  accessOf,
  COLLECTION_ACTIONS,
  type CollectionAction,
  type ResolvedAccess,
  resolveAccess,
} from './access.js';
import { type AuditPlan, resolveAudit } from './audit.js';
import type { CollectionOptions } from './options.js';
import { type FieldPlan, planFields } from './plan.js';
import { planQuery, type QueryPlan } from './query-plan.js';

/**
 * A model's collection: the options given to {@link defineCollection}, resolved once.
 * `ops.list(actor, orders, ...)` and `resource(orders, ...)` read it.
 */
export interface Collection<M extends AnyModel = AnyModel, O = CollectionOptions<M>> {
  readonly model: M;
  /** The options' type, for `resource()`'s typed routes (no value at run time). */
  readonly '~options'?: O;
}

/** A collection resolved at definition time: what the operations read on every call. */
export interface CollectionRuntime {
  readonly model: AnyModel;
  readonly options: CollectionOptions<AnyModel>;
  readonly plan: FieldPlan;
  readonly query: QueryPlan;
  readonly access: Readonly<Record<CollectionAction, ResolvedAccess>>;
  /** Attributes a write may carry. */
  readonly writable: ReadonlySet<string>;
  /** A scope, object check or field rule reads the actor. */
  readonly readsActor: boolean;
  /** Whether writes are recorded in the audit log, and which fields. */
  readonly audit: AuditPlan;
}

const runtimes = new WeakMap<object, CollectionRuntime>();

/** Resolves a model's collection options (REST resolves a resource's options with it). */
export function resolveCollection(model: AnyModel, options: CollectionOptions<AnyModel>): CollectionRuntime {
  const plan = planFields(model, options);
  const access = {} as Record<CollectionAction, ResolvedAccess>;
  for (const action of COLLECTION_ACTIONS)
    access[action] = resolveAccess(model, accessOf(options.permissions, action), action);
  return {
    model,
    options,
    plan,
    query: planQuery(model, options),
    access,
    writable: new Set([...plan.writable, ...plan.nested.map((n) => n.name)]),
    readsActor:
      options.scope !== undefined ||
      options.check !== undefined ||
      plan.readRules.size > 0 ||
      plan.writeRules.size > 0,
    audit: resolveAudit(model, options, plan),
  };
}

/**
 * Declares a model's collection once: fields, filters, search, ordering, includes,
 * pagination, computed fields, policy (permissions, row scope, object checks, field rules)
 * and hooks. A wrong field name fails here, not on the first call.
 *
 * @example
 * export const orders = defineCollection(Order, {
 *   filters: { status: ['eq', 'in'] },
 *   permissions: { read: 'authenticated', write: 'staff' },
 *   scope: (query, actor) => (actor.isStaff ? query : query.where({ customer: { user: { id: Number(actor.user?.id) } } })),
 * });
 */
export function defineCollection<M extends AnyModel, const O extends CollectionOptions<M>>(
  model: M,
  options: Exact<O, M>,
): Collection<M, O> {
  const collection: Collection<M, O> = Object.freeze({ model });
  runtimes.set(collection, resolveCollection(model, options as unknown as CollectionOptions<AnyModel>));
  return collection;
}

/** The resolved collection of a collection, or of a plain model (its default collection, resolved once). */
export function runtimeOf(target: Collection<AnyModel, unknown> | AnyModel): CollectionRuntime {
  let runtime = runtimes.get(target);
  if (!runtime) {
    if (!('meta' in target)) throw new TypeError('Not a collection made by defineCollection() nor a model');
    runtime = resolveCollection(target, {});
    runtimes.set(target, runtime);
  }
  return runtime;
}

/** Options with no keys besides those of {@link CollectionOptions} (a misspelt option is an error). */
type Exact<O, M extends AnyModel> = O & { [K in Exclude<keyof O, keyof CollectionOptions<M>>]: never };
