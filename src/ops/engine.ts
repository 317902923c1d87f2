import { PermissionDeniedError, ValidationError } from '../core/index.js';
import { type AnyModel, type Executor, type Query, RecordNotFoundError } from '../db/index.js';
import { actingFor } from '../db/internal.js';
import { type CollectionAction, enforceAccess } from './access.js';
import type { Actor } from './actor.js';
import { audited, recordWrite } from './audit.js';
import type { CollectionRuntime } from './collection.js';
import { publishChange } from './events.js';
import {
  type ListParams,
  listOrder,
  listWhere,
  type PageResult,
  rankedBySearch,
  requestedFields,
  requestedIncludes,
  runPage,
  searchWords,
} from './list.js';
import { checkChildren, hasChildren, takeChildren, writeChildren } from './nested.js';
import type { OperationContext } from './options.js';
import { hiddenFields, serialize, type View } from './serialize.js';

type Row = Record<string, unknown>;
type AnyQuery = Query<AnyModel>;

/**
 * Reads the row being written again before the write, inside its transaction (REST's
 * `If-Match`); may answer a fresher row or throw.
 */
export type Precondition = (db: Executor, current: Row) => Promise<Row>;

/** A column a row lock can be taken through: rewritten with its own value. */
function lockField(model: AnyModel): string | undefined {
  return (
    Object.values(model.meta.fields).find(
      (f) =>
        f.column !== null &&
        !f.primaryKey &&
        f.auto === null &&
        f.validators === 0 &&
        f.kind !== 'json' &&
        f.kind !== 'file',
    )?.attribute ?? undefined
  );
}

/**
 * Locks the row a write is about to change and reads it again, inside the write's
 * transaction, for a version check (REST's `If-Match`, the admin's form version). On
 * PostgreSQL a concurrent writer could change the row between the first read and the write,
 * so the row is locked with an UPDATE setting a column to the value just read (it waits for
 * any other writer; the no-op rolls back with the write) and read again; `masked` is that
 * fresh row with `current`'s automatic update stamps, since the lock itself stamped them.
 * SQLite's write transactions are serialised, so the first read is already the last word:
 * `undefined` then (and for a model with no column to lock through).
 */
export async function lockForWrite(
  model: AnyModel,
  db: Executor,
  current: Row,
): Promise<{ fresh: Row; masked: Row } | undefined> {
  const field = db.dialect === 'postgres' ? lockField(model) : undefined;
  if (field === undefined) return undefined;
  await db.updateMany(model, { id: current.id } as never, { [field]: current[field] } as never);
  const fresh = (await db
    .query(model)
    .where({ id: current.id } as never)
    .first()) as Row | undefined;
  if (fresh === undefined) throw new RecordNotFoundError(model.meta.label);
  const masked = { ...fresh };
  for (const f of Object.values(model.meta.fields))
    if (f.auto === 'update' && f.attribute) masked[f.attribute] = current[f.attribute];
  return { fresh, masked };
}

/** The base query of what this actor may see: the collection's scope (none for the system actor). */
export function scoped(rt: CollectionRuntime, db: Executor, actor: Actor): AnyQuery | Promise<AnyQuery> {
  const base = db.query(rt.model) as unknown as AnyQuery;
  const scope = rt.options.scope;
  return scope && actor.kind !== 'system' ? (scope(base as never, actor) as unknown as AnyQuery) : base;
}

function label(rt: CollectionRuntime): string {
  return rt.model.meta.label;
}

/**
 * Loads one object the actor may act on. The 403/404 rule: missing, outside the actor's
 * scope, or refused by the object check for `retrieve` is a 404 (existence does not leak);
 * visible but refused for this action is a 403.
 */
export async function loadObject(
  rt: CollectionRuntime,
  db: Executor,
  actor: Actor,
  id: unknown,
  action: CollectionAction | string,
  include: readonly string[] = [],
): Promise<Row> {
  const base = scoped(rt, db, actor);
  let query = base instanceof Promise ? await base : base;
  if (include.length > 0) query = query.include(...(include as never[]));
  let row: Row | undefined;
  if ((rt.options.scope && actor.kind !== 'system') || include.length > 0)
    row = (await query.where({ id } as never).first()) as Row | undefined;
  else row = (await query.get(id as never)) as Row;
  if (row === undefined) throw new RecordNotFoundError(label(rt));
  const check = rt.options.check;
  if (check && actor.kind !== 'system' && !(await check({ action, object: row as never, actor, db }))) {
    const visible =
      action !== 'retrieve' &&
      action !== 'list' &&
      (await check({ action: 'retrieve', object: row as never, actor, db }));
    if (!visible) throw new RecordNotFoundError(label(rt));
    throw new PermissionDeniedError(`You may not ${action} this ${label(rt).toLowerCase()}`);
  }
  return row;
}

/** What one call shows this actor. */
export function viewOf(
  rt: CollectionRuntime,
  actor: Actor,
  params: ListParams,
  includes: View['includes'],
): View {
  return {
    fields: rt.query.sparse ? requestedFields(params) : null,
    includes,
    hidden: hiddenFields(rt.plan, actor),
    actor,
  };
}

/** What the answer to a write shows: the object, with the children a nested write wrote. */
export function writtenView(rt: CollectionRuntime, actor: Actor, row: Row): View {
  const includes =
    rt.plan.nested.length === 0 ? [] : rt.plan.nested.filter((n) => n.name in row).map((n) => n.include);
  return viewOf(rt, actor, NO_PARAMS, includes);
}

const NO_PARAMS: ListParams = Object.freeze({});

/** A page of serialized objects and the parameters of the pages around it. */
export interface ListResult {
  results: Row[];
  /** The total (page-number pagination only, unless the collection counts `none`). */
  count?: number;
  /** `count` is an estimate: more rows match than the collection's `exactCountLimit`. */
  countIsEstimate?: boolean;
  /** Parameters of the next page (`{ page: '3' }`, `{ cursor: 'n.…' }`), or null. */
  next: Record<string, string> | null;
  previous: Record<string, string> | null;
}

/** A list as the actor may see it (access already enforced). */
export async function listObjects(
  rt: CollectionRuntime,
  db: Executor,
  actor: Actor,
  params: ListParams,
): Promise<ListResult> {
  const base = scoped(rt, db, actor);
  let query = base instanceof Promise ? await base : base;
  for (const where of listWhere(rt.query, params)) query = query.where(where as never);
  const { paths, top } = requestedIncludes(rt.plan, params);
  if (paths.length > 0) query = query.include(...(paths as never[]));
  const ranked = rankedBySearch(query, rt.query, params);
  const page: PageResult = await runPage(
    rt.model,
    ranked ?? query,
    rt.query,
    listOrder(rt.query, params),
    params,
    {
      ranked: ranked !== null,
      filtered: rt.query.filters.some((filter) => params[filter.param] !== undefined),
      searched: searchWords(rt.query, params) !== null,
    },
  );
  const shown = viewOf(rt, actor, params, top);
  const results = page.rows.map((row) => serialize(rt.plan, shown, row));
  const result: ListResult = { results, next: page.next, previous: page.previous };
  if (page.count !== undefined) result.count = page.count;
  if (page.countIsEstimate) result.countIsEstimate = true;
  return result;
}

/** Refuses fields the collection does not accept (400) and fields this actor may not set (403). */
export function checkWritable(rt: CollectionRuntime, actor: Actor, data: Row): void {
  for (const key in data)
    if (!rt.writable.has(key))
      throw new ValidationError(
        Object.keys(data)
          .filter((k) => !rt.writable.has(k))
          .map((k) => ({ pointer: `/${k}`, detail: 'is not a field you can set', code: 'unknown' })),
      );
  if (rt.plan.writeRules.size === 0 || actor.kind === 'system') return;
  for (const key of Object.keys(data)) {
    const rule = rt.plan.writeRules.get(key);
    if (rule && !rule(actor)) throw new PermissionDeniedError(`You may not set the field '${key}'`);
  }
}

/** Creates a row for the actor: hooks and the insert in one transaction (none without hooks). */
export async function createObject(
  rt: CollectionRuntime,
  db: Executor,
  actor: Actor,
  data: Row,
  context?: OperationContext,
): Promise<Row> {
  checkWritable(rt, actor, data);
  const hooks = rt.options.hooks;
  const nested = rt.plan.nested.length > 0;
  // Without hooks the model operation is the whole write: no transaction round trips.
  if (!hooks?.beforeCreate && !hooks?.afterCreate && !audited(rt) && !nested) {
    const created = (await acting(db, actor, rt.model).create(rt.model, data as never)) as Row;
    await publishChange(db, rt.model, 'create', created);
    return created;
  }
  return actingFor(db, actor).transaction(async (tx) => {
    if (nested) await checkChildren(rt, tx, data, true);
    await hooks?.beforeCreate?.({ actor, db: tx, data, context });
    const children = nested ? takeChildren(rt, data) : undefined;
    const object = (await tx.create(rt.model, data as never)) as Row;
    if (children) await writeChildren(tx, object, children, true);
    await recordWrite(rt, tx, actor, 'create', undefined, object);
    await hooks?.afterCreate?.({ actor, db: tx, object: object as never, context });
    await publishChange(tx, rt.model, 'create', object);
    return object;
  });
}

/** The executor whose writes the model's hooks see made for `actor` (unchanged when it has none). */
function acting(db: Executor, actor: Actor, model: AnyModel): Executor {
  const h = model.hooks;
  return h.beforeSave || h.afterSave || h.beforeDelete || h.afterDelete ? actingFor(db, actor) : db;
}

/** Whether a write by id can go straight to the model operation (which answers 404 itself). */
function direct(rt: CollectionRuntime, actor: Actor, hook: unknown, precondition: Precondition | undefined) {
  const policed =
    actor.kind !== 'system' && (rt.options.scope !== undefined || rt.options.check !== undefined);
  return !policed && hook === undefined && precondition === undefined && !audited(rt);
}

/** Updates a row the actor may change (a partial write). */
export async function updateObject(
  rt: CollectionRuntime,
  db: Executor,
  actor: Actor,
  id: unknown,
  data: Row,
  action: CollectionAction | string = 'partialUpdate',
  precondition?: Precondition,
  context?: OperationContext,
): Promise<Row> {
  checkWritable(rt, actor, data);
  const hooks = rt.options.hooks;
  const nested = rt.plan.nested.length > 0 && hasChildren(rt, data);
  if (!nested && direct(rt, actor, hooks?.beforeUpdate ?? hooks?.afterUpdate, precondition)) {
    const updated = (await acting(db, actor, rt.model).update(rt.model, id as never, data as never)) as Row;
    await publishChange(db, rt.model, 'update', updated);
    return updated;
  }
  return actingFor(db, actor).transaction(async (tx) => {
    let current = await loadObject(rt, tx, actor, id, action);
    if (precondition) current = await precondition(tx, current);
    if (nested) await checkChildren(rt, tx, data, false);
    await hooks?.beforeUpdate?.({ actor, db: tx, object: current as never, data, context });
    const children = nested ? takeChildren(rt, data) : undefined;
    const object =
      children && Object.keys(data).length === 0
        ? { ...current }
        : ((await tx.update(rt.model, current.id as never, data as never)) as Row);
    if (children) await writeChildren(tx, object, children, false);
    await recordWrite(rt, tx, actor, 'update', current, object);
    await hooks?.afterUpdate?.({
      actor,
      db: tx,
      object: object as never,
      previous: current as never,
      context,
    });
    await publishChange(tx, rt.model, 'update', object);
    return object;
  });
}

/** Deletes a row the actor may delete. */
export async function deleteObject(
  rt: CollectionRuntime,
  db: Executor,
  actor: Actor,
  id: unknown,
  precondition?: Precondition,
  context?: OperationContext,
): Promise<void> {
  const hooks = rt.options.hooks;
  if (direct(rt, actor, hooks?.beforeDelete ?? hooks?.afterDelete, precondition)) {
    await acting(db, actor, rt.model).delete(rt.model, id as never);
    await publishChange(db, rt.model, 'delete', { id });
    return;
  }
  await actingFor(db, actor).transaction(async (tx) => {
    let current = await loadObject(rt, tx, actor, id, 'delete');
    if (precondition) current = await precondition(tx, current);
    await hooks?.beforeDelete?.({ actor, db: tx, object: current as never, context });
    await tx.delete(rt.model, current.id as never);
    await recordWrite(rt, tx, actor, 'delete', current, undefined);
    await hooks?.afterDelete?.({ actor, db: tx, object: current as never, context });
    await publishChange(tx, rt.model, 'delete', current);
  });
}

/** Enforces the access of a standard action for the actor (401/403). */
export function enforce(rt: CollectionRuntime, action: CollectionAction, actor: Actor): void | Promise<void> {
  return enforceAccess(rt.access[action], actor);
}
