import type { TSchema } from '@sinclair/typebox';
import {
  GraphQLEnumType,
  type GraphQLFieldConfig,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLResolveInfo,
} from 'graphql';
import { isBasaltError } from '../core/index.js';
import {
  type CollectionRuntime,
  enforce,
  loadObject,
  type ModelEvent,
  modelEvents,
  requestedIncludes,
  serialize,
  viewOf,
} from '../ops/internal.js';
import { scalarOf } from './scalars.js';
import type { GraphQLContext } from './schema.js';
import { selectedFields, selectedIncludes } from './selection.js';
import type { TypeNames } from './type-names.js';

type Row = Record<string, unknown>;

/** Events a slow subscriber may have waiting; past it the oldest are dropped. */
const MAX_QUEUED = 1_000;

/** An async iterator fed by pushes: the events of one subscription, in order. */
class EventQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  readonly #waiting: ((result: IteratorResult<T>) => void)[] = [];
  readonly #onClose: () => void;
  #closed = false;

  constructor(onClose: () => void) {
    this.#onClose = onClose;
  }

  push(item: T): void {
    if (this.#closed) return;
    const waiter = this.#waiting.shift();
    if (waiter) waiter({ value: item, done: false });
    else {
      this.#items.push(item);
      if (this.#items.length > MAX_QUEUED) this.#items.shift();
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift()!, done: false });
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.#closed) {
      this.#closed = true;
      this.#onClose();
      for (const waiter of this.#waiting.splice(0)) waiter({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function changeType(names: TypeNames): GraphQLEnumType {
  return names.shared(
    'ModelChange',
    () =>
      new GraphQLEnumType({
        name: 'ModelChange',
        description: 'What a write did to an object.',
        values: { CREATE: { value: 'create' }, UPDATE: { value: 'update' }, DELETE: { value: 'delete' } },
      }),
  );
}

/**
 * The subscription to a collection's changes (`orderChanged(id)`): every committed
 * create/update/delete of the operation layer, in this process or another (Redis), that
 * the subscriber may see. Each object is read again as the subscriber may see it (the
 * collection's scope, object check and field rules), with the relations the subscription
 * selects; a deletion reaches those who were shown the object by this subscription, or
 * everyone allowed to read the collection when it has no scope or object check.
 */
export function subscriptionField(
  rt: CollectionRuntime,
  name: string,
  single: string,
  type: GraphQLObjectType,
  names: TypeNames,
): GraphQLFieldConfig<unknown, GraphQLContext> {
  const idType = scalarOf(rt.model, 'id', (rt.model.schemas.read.properties as Record<string, TSchema>).id);
  const payload = new GraphQLObjectType({
    name: names.claim(`${name}Change`),
    description: `A change of one ${rt.model.meta.label.toLowerCase()}.`,
    fields: {
      change: { type: new GraphQLNonNull(changeType(names)) },
      id: { type: new GraphQLNonNull(idType) },
      [single]: { type, description: 'The object as the subscriber may see it (null once deleted).' },
    },
  });
  const unpoliced = rt.options.scope === undefined && rt.options.check === undefined;
  return {
    type: new GraphQLNonNull(payload),
    description: `Changes of the ${rt.model.meta.label.toLowerCase()} objects the subscriber may see (one by id, or all).`,
    args: { id: { type: idType } },
    resolve: (event: unknown) => event,
    subscribe: async (_root, args: Row, ctx, info: GraphQLResolveInfo) => {
      await enforce(rt, 'retrieve', ctx.actor);
      const paths = [[single]] as const;
      const params = {
        include: selectedIncludes(info, rt.plan.includes, paths),
        fields: selectedFields(info, rt.plan, paths),
      };
      const { paths: includePaths, top } = requestedIncludes(rt.plan, params);
      const view = viewOf(rt, ctx.actor, params, top);
      const wanted = args.id == null ? undefined : String(args.id);
      const shown = new Set<string>();
      // Events are read again one after another, so the subscriber sees them in order.
      let chain: Promise<void> = Promise.resolve();
      const queue = new EventQueue<Row>(() => unsubscribe());
      const handle = async (event: ModelEvent) => {
        const id = String(event.id);
        if (event.change === 'delete') {
          if (!shown.delete(id) && !unpoliced) return;
          queue.push({ change: 'delete', id: event.id, [single]: null });
          return;
        }
        try {
          const row = await loadObject(rt, ctx.db, ctx.actor, event.id, 'retrieve', includePaths);
          shown.add(id);
          queue.push({ change: event.change, id: row.id, [single]: serialize(rt.plan, view, row) });
        } catch (error) {
          // Not visible to this subscriber (or gone since): nothing to tell.
          if (!isBasaltError(error) || (error.status !== 404 && error.status !== 403)) throw error;
        }
      };
      const unsubscribe = modelEvents(ctx.db).subscribe((event) => {
        if (event.model !== rt.model.name || (wanted !== undefined && String(event.id) !== wanted)) return;
        chain = chain
          .then(() => handle(event))
          .catch((error: unknown) => {
            ctx.log.error({ err: error }, 'GraphQL subscription: reading a changed object failed');
          });
      });
      return queue;
    },
  };
}
