import type { AnyModel, Executor, Infer } from '../db/index.js';
import type { Actor } from './actor.js';
import { type Collection, type CollectionRuntime, runtimeOf } from './collection.js';
import {
  createObject,
  deleteObject,
  enforce,
  type ListResult,
  listObjects,
  loadObject,
  updateObject,
  viewOf,
  writtenView,
} from './engine.js';
import type { ListParams } from './list.js';
import { requestedIncludes } from './list.js';
import type { OperationContext, WriteData } from './options.js';
import { serialize } from './serialize.js';

/** An object as a collection shows it to an actor: its visible fields, computed values and includes. */
export type Shown<M extends AnyModel> = Partial<Infer<M>> & Record<string, unknown>;

/** A page of objects as a collection shows it to an actor. */
export interface Listed<M extends AnyModel> extends Omit<ListResult, 'results'> {
  results: Shown<M>[];
}

/** A collection, or a plain model (read by anyone, written by staff: REST's defaults). */
export type Target<M extends AnyModel> = Collection<M, unknown> | M;

type ModelOf<T> = T extends Collection<infer M, unknown> ? M : T extends AnyModel ? T : never;

/**
 * The operations of every collection for one database: what a REST endpoint does, for
 * any caller — a job, a CLI command, a test, the admin. Each call enforces the
 * collection's policy for the actor exactly as REST does (401/403/404, scopes, field rules)
 * and runs its hooks in the write's transaction.
 */
export interface Operations {
  /** A page of the objects the actor may see; `params` as REST's query string (`{ status: 'placed', ordering: '-total' }`). */
  list<T extends Target<AnyModel>>(actor: Actor, target: T, params?: ListParams): Promise<Listed<ModelOf<T>>>;
  /** One object (404 when missing or not visible to the actor). */
  get<T extends Target<AnyModel>>(
    actor: Actor,
    target: T,
    id: unknown,
    params?: ListParams,
  ): Promise<Shown<ModelOf<T>>>;
  /**
   * Creates an object; `data` is validated by the model. A collection's `nested` relations
   * carry their children (`lines: [...]`), written in the same transaction.
   */
  create<T extends Target<AnyModel>>(
    actor: Actor,
    target: T,
    data: WriteData<ModelOf<T>>,
  ): Promise<Shown<ModelOf<T>>>;
  /** Changes the given fields of an object (a nested relation given replaces its children). */
  update<T extends Target<AnyModel>>(
    actor: Actor,
    target: T,
    id: unknown,
    data: WriteData<ModelOf<T>>,
  ): Promise<Shown<ModelOf<T>>>;
  /** Deletes an object. */
  delete<T extends Target<AnyModel>>(actor: Actor, target: T, id: unknown): Promise<void>;
}

type Row = Record<string, unknown>;

const NO_PARAMS: ListParams = Object.freeze({});

function shown(rt: CollectionRuntime, actor: Actor, row: Row): Row {
  return serialize(rt.plan, writtenView(rt, actor, row), row);
}

/** Options of {@link operations}. */
export interface OperationsOptions {
  /** Handed to the collection's hooks as `context` (e.g. what a job has at hand). */
  context?: OperationContext;
}

class DatabaseOperations implements Operations {
  readonly #db: Executor;
  readonly #context: OperationContext | undefined;

  constructor(db: Executor, context: OperationContext | undefined) {
    this.#db = db;
    this.#context = context;
  }

  async list(actor: Actor, target: Target<AnyModel>, params: ListParams = NO_PARAMS): Promise<never> {
    const rt = runtimeOf(target);
    await enforce(rt, 'list', actor);
    return (await listObjects(rt, this.#db, actor, params)) as never;
  }

  async get(
    actor: Actor,
    target: Target<AnyModel>,
    id: unknown,
    params: ListParams = NO_PARAMS,
  ): Promise<never> {
    const rt = runtimeOf(target);
    await enforce(rt, 'retrieve', actor);
    const { paths, top } = requestedIncludes(rt.plan, params);
    const row = await loadObject(rt, this.#db, actor, id, 'retrieve', paths);
    return serialize(rt.plan, viewOf(rt, actor, params, top), row) as never;
  }

  async create(actor: Actor, target: Target<AnyModel>, data: unknown): Promise<never> {
    const rt = runtimeOf(target);
    await enforce(rt, 'create', actor);
    return shown(
      rt,
      actor,
      await createObject(rt, this.#db, actor, { ...(data as Row) }, this.#context),
    ) as never;
  }

  async update(actor: Actor, target: Target<AnyModel>, id: unknown, data: unknown): Promise<never> {
    const rt = runtimeOf(target);
    await enforce(rt, 'partialUpdate', actor);
    return shown(
      rt,
      actor,
      await updateObject(
        rt,
        this.#db,
        actor,
        id,
        { ...(data as Row) },
        'partialUpdate',
        undefined,
        this.#context,
      ),
    ) as never;
  }

  async delete(actor: Actor, target: Target<AnyModel>, id: unknown): Promise<void> {
    const rt = runtimeOf(target);
    await enforce(rt, 'delete', actor);
    await deleteObject(rt, this.#db, actor, id, undefined, this.#context);
  }
}

/**
 * The operations over a database or transaction: `operations(db).list(actor, orders)`.
 * Cheap to make (one small object); inside a transaction, pass the transaction.
 */
export function operations(db: Executor, options: OperationsOptions = {}): Operations {
  return new DatabaseOperations(db, options.context);
}
