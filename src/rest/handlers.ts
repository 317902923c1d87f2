import { BasaltError, isBasaltError, PermissionDeniedError } from '../core/index.js';
import { type AnyModel, type Executor, type Query, RecordNotFoundError } from '../db/index.js';
import { absoluteUrl, type RequestContext, respond } from '../http/index.js';
import { checkIfMatch, entityTag, noneMatch } from './etag.js';
import { listOrder, listWhere, requestedFields, requestedIncludes, runPage } from './list-query.js';
import type { ResourceAction, ResourceOptions } from './options.js';
import type { FieldPlan } from './plan.js';
import type { QueryPlan } from './query-params.js';
import { hiddenFields, serialize, type View } from './serialize.js';

type Row = Record<string, unknown>;
type AnyQuery = Query<AnyModel>;

/** What a handler gets from the endpoint layer (typed loosely: the schemas checked it). */
export interface HandlerContext extends Record<string, unknown> {
  params: Row;
  query: Row;
  body: Row;
  headers: Record<string, string | string[] | undefined>;
}

/** A resource's resolved configuration, shared by its handlers. */
export interface ResourceRuntime {
  model: AnyModel;
  options: ResourceOptions<AnyModel>;
  plan: FieldPlan;
  query: QueryPlan;
  etag: boolean;
  /** Writes by id without `If-Match` are a 428. */
  requireIfMatch: boolean;
  /** The collection path, e.g. `/api/books`. */
  path: string;
}

function request(context: HandlerContext): RequestContext & { db: Executor } {
  return context as unknown as RequestContext & { db: Executor };
}

/** The base query of what this user may see. */
export function scoped(rt: ResourceRuntime, db: Executor, context: RequestContext): AnyQuery {
  const base = db.query(rt.model) as unknown as AnyQuery;
  return rt.options.scope ? (rt.options.scope(base as never, context) as unknown as AnyQuery) : base;
}

/**
 * Loads one object the user may act on: outside the scope (or missing) is a 404, refused
 * by the object-level check a 403.
 */
export async function loadObject(
  rt: ResourceRuntime,
  db: Executor,
  context: RequestContext,
  id: unknown,
  action: ResourceAction | string,
  include: readonly string[] = [],
): Promise<Row> {
  let query = scoped(rt, db, context);
  if (include.length > 0) query = query.include(...(include as never[]));
  let row: Row | undefined;
  if (rt.options.scope || include.length > 0) row = (await query.where({ id } as never).first()) as Row;
  else row = (await query.get(id as never)) as Row;
  if (row === undefined) throw new RecordNotFoundError(rt.model.meta.label);
  if (rt.options.check && !(await rt.options.check({ action, object: row as never, context, db })))
    throw new PermissionDeniedError(`You may not ${action} this ${rt.model.meta.label.toLowerCase()}`);
  return row;
}

function view(rt: ResourceRuntime, context: RequestContext, params: Row, top: View['includes']): View {
  return {
    fields: rt.query.sparse ? requestedFields(params) : null,
    includes: top,
    hidden: hiddenFields(rt.plan, context),
    context,
  };
}

function link(context: RequestContext, changes: Record<string, string> | null): string | null {
  if (!changes) return null;
  // PUBLIC_URL or the validated host (ALLOWED_HOSTS), never a Host header as sent.
  const url = new URL(absoluteUrl(context, context.request.url));
  for (const [key, value] of Object.entries(changes)) url.searchParams.set(key, value);
  return url.toString();
}

/** GET /things */
export async function list(rt: ResourceRuntime, raw: HandlerContext): Promise<unknown> {
  const context = request(raw);
  const params = raw.query;
  let query = scoped(rt, context.db, context);
  for (const where of listWhere(rt.query, params)) query = query.where(where as never);
  const { paths, top } = requestedIncludes(rt.plan, params);
  if (paths.length > 0) query = query.include(...(paths as never[]));
  const page = await runPage(query, rt.query, listOrder(rt.query, params), params);
  const shown = view(rt, context, params, top);
  const results = page.rows.map((row) => serialize(rt.plan, shown, row));
  if (!rt.query.pagination) return results;
  const envelope: Row = {};
  if (page.count !== undefined) envelope.count = page.count;
  envelope.next = link(context, page.next);
  envelope.previous = link(context, page.previous);
  envelope.results = results;
  return envelope;
}

/** GET /things/:id */
export async function retrieve(rt: ResourceRuntime, raw: HandlerContext): Promise<unknown> {
  const context = request(raw);
  const { paths, top } = requestedIncludes(rt.plan, raw.query);
  const row = await loadObject(rt, context.db, context, raw.params.id, 'retrieve', paths);
  const body = serialize(rt.plan, view(rt, context, raw.query, top), row);
  if (!rt.etag) return body;
  const tag = entityTag(row);
  if (noneMatch(raw.headers['if-none-match'], tag)) return respond(304, null, { etag: tag });
  return respond(200, body, { etag: tag });
}

function checkWritable(rt: ResourceRuntime, context: RequestContext, data: Row): void {
  for (const key of Object.keys(data)) {
    const rule = rt.plan.writeRules.get(key);
    if (rule && !rule(context)) throw new PermissionDeniedError(`You may not set the field '${key}'`);
  }
}

function written(rt: ResourceRuntime, context: RequestContext, row: Row, status: number): unknown {
  const body = serialize(rt.plan, view(rt, context, {}, []), row);
  const headers: Record<string, string> = {};
  if (rt.etag) headers.etag = entityTag(row);
  // A created object's URL, as RFC 9110 asks of a 201.
  if (status === 201) headers.location = `${rt.path}/${encodeURIComponent(String(row.id))}`;
  return respond(status, body, headers);
}

/** POST /things */
export async function create(rt: ResourceRuntime, raw: HandlerContext): Promise<unknown> {
  const context = request(raw);
  const data: Row = { ...raw.body };
  checkWritable(rt, context, data);
  return inBody(() => createRow(rt, context, data));
}

async function createRow(rt: ResourceRuntime, context: RequestContext & { db: Executor }, data: Row) {
  const hooks = rt.options.hooks;
  // Without hooks the model operation is the whole write: no transaction round trips.
  if (!hooks?.beforeCreate && !hooks?.afterCreate)
    return written(rt, context, (await context.db.create(rt.model, data as never)) as Row, 201);
  const row = await context.db.transaction(async (db) => {
    await hooks?.beforeCreate?.({ context, db, data });
    const object = (await db.create(rt.model, data as never)) as Row;
    await hooks?.afterCreate?.({ context, db, object: object as never });
    return object;
  });
  return written(rt, context, row, 201);
}

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
 * Enforces `If-Match` inside the write's transaction. On PostgreSQL a concurrent writer
 * could change the row between this read and the write, so the row is locked first (an
 * UPDATE setting a field to the value just read, which waits for any other writer) and
 * read again: a change committed meanwhile is then a 412, and the no-op rolls back with it.
 * SQLite transactions are serialised, so the first read is already the last word.
 */
async function precondition(
  rt: ResourceRuntime,
  db: Executor,
  raw: HandlerContext,
  current: Row,
): Promise<Row> {
  const header = raw.headers['if-match'];
  if (!rt.etag || header === undefined) return current;
  checkIfMatch(header, entityTag(current));
  const field = db.dialect === 'postgres' ? lockField(rt.model) : undefined;
  if (field === undefined) return current;
  await db.updateMany(rt.model, { id: current.id } as never, { [field]: current[field] } as never);
  const fresh = (await db
    .query(rt.model)
    .where({ id: current.id } as never)
    .first()) as Row | undefined;
  if (fresh === undefined) throw new RecordNotFoundError(rt.model.meta.label);
  // The lock itself stamped `updatedAt`; any other difference is someone else's write.
  const masked = { ...fresh };
  for (const f of Object.values(rt.model.meta.fields))
    if (f.auto === 'update' && f.attribute) masked[f.attribute] = current[f.attribute];
  checkIfMatch(header, entityTag(masked));
  return fresh;
}

/** Refuses a write by id without `If-Match` when the resource requires one (428). */
function requirePrecondition(rt: ResourceRuntime, raw: HandlerContext): void {
  if (rt.requireIfMatch && raw.headers['if-match'] === undefined)
    throw new BasaltError(
      'BASALT_HTTP_PRECONDITION_REQUIRED',
      'Send If-Match with the ETag of the object you read (or *), so no change you have not seen is overwritten',
    );
}

/**
 * The data layer names fields by attribute (`/isbn`); in a response to a request they are
 * fields of its body (`/body/isbn`), as the schema's own errors are.
 */
async function inBody<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isBasaltError(error) && error.errors)
      for (const e of error.errors) if (!e.pointer.startsWith('/body/')) e.pointer = `/body${e.pointer}`;
    throw error;
  }
}

/**
 * Whether a write by id can go straight to the model operation (which answers 404 itself):
 * no scope, object check, hook or If-Match needs the current row first.
 */
function direct(rt: ResourceRuntime, raw: HandlerContext, hook: unknown): boolean {
  return (
    !rt.options.scope &&
    !rt.options.check &&
    hook === undefined &&
    (!rt.etag || raw.headers['if-match'] === undefined)
  );
}

/** PUT and PATCH /things/:id */
export async function update(
  rt: ResourceRuntime,
  raw: HandlerContext,
  action: 'update' | 'partialUpdate',
): Promise<unknown> {
  requirePrecondition(rt, raw);
  const context = request(raw);
  const data: Row = { ...raw.body };
  checkWritable(rt, context, data);
  return inBody(() => updateRow(rt, raw, context, data, action));
}

async function updateRow(
  rt: ResourceRuntime,
  raw: HandlerContext,
  context: RequestContext & { db: Executor },
  data: Row,
  action: 'update' | 'partialUpdate',
) {
  const hooks = rt.options.hooks;
  if (direct(rt, raw, hooks?.beforeUpdate ?? hooks?.afterUpdate)) {
    const row = (await context.db.update(rt.model, raw.params.id as never, data as never)) as Row;
    return written(rt, context, row, 200);
  }
  const row = await context.db.transaction(async (db) => {
    const current = await precondition(rt, db, raw, await loadObject(rt, db, context, raw.params.id, action));
    await hooks?.beforeUpdate?.({ context, db, object: current as never, data });
    const object = (await db.update(rt.model, current.id as never, data as never)) as Row;
    await hooks?.afterUpdate?.({ context, db, object: object as never, previous: current as never });
    return object;
  });
  return written(rt, context, row, 200);
}

/** DELETE /things/:id */
export async function destroy(rt: ResourceRuntime, raw: HandlerContext): Promise<unknown> {
  requirePrecondition(rt, raw);
  const context = request(raw);
  const hooks = rt.options.hooks;
  if (direct(rt, raw, hooks?.beforeDelete ?? hooks?.afterDelete)) {
    await context.db.delete(rt.model, raw.params.id as never);
    return respond(204, null);
  }
  await context.db.transaction(async (db) => {
    const current = await precondition(
      rt,
      db,
      raw,
      await loadObject(rt, db, context, raw.params.id, 'delete'),
    );
    await hooks?.beforeDelete?.({ context, db, object: current as never });
    await db.delete(rt.model, current.id as never);
    await hooks?.afterDelete?.({ context, db, object: current as never });
  });
  return respond(204, null);
}
