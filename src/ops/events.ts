import type { AnyModel, Executor } from '../db/index.js';
import { databaseKeyOf } from '../db/internal.js';

/** What a write did to an object. */
export type ModelChange = 'create' | 'update' | 'delete';

/**
 * One committed write of the operation layer: the model's name, what happened, the
 * object's id and its row as written (a deleted one: as it was). Plain JSON once it
 * crossed a process (dates are ISO strings then).
 */
export interface ModelEvent {
  model: string;
  change: ModelChange;
  id: unknown;
  row: Record<string, unknown>;
}

/** Carries events between the processes of an app (Redis pub/sub); each process receives its own too. */
export interface ModelEventTransport {
  /** Sends an event to every process, this one included. */
  send(event: ModelEvent): void | Promise<void>;
  /** Starts handing received events to `deliver`. */
  start(deliver: (event: ModelEvent) => void): Promise<void>;
  stop(): Promise<void>;
}

type Listener = (event: ModelEvent) => void;

/**
 * The model events of one database: the operation layer publishes each committed
 * create/update/delete, subscribers (GraphQL subscriptions) receive them. In one process
 * without a transport; through a transport (Redis) across processes.
 */
export class ModelEvents {
  readonly #listeners = new Set<Listener>();
  #transport: ModelEventTransport | undefined;

  /** Whether anyone listens (a write publishes nothing otherwise). */
  get listened(): boolean {
    return this.#listeners.size > 0 || this.#transport !== undefined;
  }

  /** Sends events through `transport` from now on (and receives them from it). */
  async useTransport(transport: ModelEventTransport): Promise<void> {
    await transport.start((event) => this.#deliver(event));
    this.#transport = transport;
  }

  /** Stops the transport (events stay in this process afterwards). */
  async close(): Promise<void> {
    const transport = this.#transport;
    this.#transport = undefined;
    await transport?.stop();
  }

  /** Publishes an event: to every process through the transport, else to this process's listeners. */
  publish(event: ModelEvent): void | Promise<void> {
    if (this.#transport) return this.#transport.send(event);
    this.#deliver(event);
  }

  /** Calls `listener` with every event until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #deliver(event: ModelEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

const buses = new WeakMap<object, ModelEvents>();

/**
 * The model events of the database `db` works on (the same for its transactions), made on
 * first use. Writes through the operation layer publish to it after they commit.
 */
export function modelEvents(db: Executor): ModelEvents {
  const key = databaseKeyOf(db);
  if (key === undefined) throw new TypeError('Not an executor of createDatabase()');
  let bus = buses.get(key);
  if (!bus) {
    bus = new ModelEvents();
    buses.set(key, bus);
  }
  return bus;
}

/**
 * Publishes a write once it is committed (at once outside a transaction), when anyone
 * listens to the database's events; costs one map lookup otherwise.
 */
export async function publishChange(
  db: Executor,
  model: AnyModel,
  change: ModelChange,
  row: Record<string, unknown>,
): Promise<void> {
  const key = databaseKeyOf(db);
  const bus = key === undefined ? undefined : buses.get(key);
  if (!bus?.listened) return;
  const event: ModelEvent = { model: model.name, change, id: row.id, row };
  // A committed write stands whatever becomes of its event (at most once, never an error).
  await db.afterCommit(() => Promise.resolve(bus.publish(event)).catch(() => undefined));
}
