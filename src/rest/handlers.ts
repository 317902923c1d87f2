import { BasaltError, isBasaltError } from '../core/index.js';
import type { Executor } from '../db/index.js';
import { absoluteUrl, type RequestContext, respond } from '../http/index.js';
import {
  type CollectionRuntime,
  createObject,
  deleteObject,
  listObjects,
  loadObject,
  lockForWrite,
  type Precondition,
  requestedIncludes,
  serialize,
  updateObject,
  viewOf,
  writtenView,
} from '../ops/internal.js';
import { requestActor } from './access.js';
import { checkIfMatch, entityTag, noneMatch } from './etag.js';

type Row = Record<string, unknown>;

/** What a handler gets from the endpoint layer (typed loosely: the schemas checked it). */
export interface HandlerContext extends Record<string, unknown> {
  params: Row;
  query: Row;
  body: Row;
  headers: Record<string, string | string[] | undefined>;
}

/** A resource: its collection, resolved by `basalt/ops`, and what only HTTP adds. */
export interface ResourceRuntime {
  collection: CollectionRuntime;
  etag: boolean;
  /** Writes by id without `If-Match` are a 428. */
  requireIfMatch: boolean;
  /** The collection path, e.g. `/api/books`. */
  path: string;
}

function request(context: HandlerContext): RequestContext & { db: Executor } {
  return context as unknown as RequestContext & { db: Executor };
}

function link(context: RequestContext, changes: Record<string, string> | null): string | null {
  if (!changes) return null;
  // PUBLIC_URL or the validated host (ALLOWED_HOSTS), never a Host header as sent.
  const url = new URL(absoluteUrl(context, context.request.url));
  for (const [key, value] of Object.entries(changes)) url.searchParams.set(key, value);
  return url.toString();
}

/** GET /things: the layer's list, its page parameters turned into links. */
export async function list(rt: ResourceRuntime, raw: HandlerContext): Promise<unknown> {
  const context = request(raw);
  const page = await listObjects(rt.collection, context.db, requestActor(context), raw.query);
  if (!rt.collection.query.pagination) return page.results;
  const envelope: Row = {};
  if (page.count !== undefined) envelope.count = page.count;
  if (page.countIsEstimate) envelope.countIsEstimate = true;
  envelope.next = link(context, page.next);
  envelope.previous = link(context, page.previous);
  envelope.results = page.results;
  return envelope;
}

/** GET /things/:id */
export async function retrieve(rt: ResourceRuntime, raw: HandlerContext): Promise<unknown> {
  const context = request(raw);
  const actor = requestActor(context);
  const { paths, top } = requestedIncludes(rt.collection.plan, raw.query);
  const row = await loadObject(rt.collection, context.db, actor, raw.params.id, 'retrieve', paths);
  const body = serialize(rt.collection.plan, viewOf(rt.collection, actor, raw.query, top), row);
  if (!rt.etag) return body;
  const tag = entityTag(row);
  if (noneMatch(raw.headers['if-none-match'], tag)) return respond(304, null, { etag: tag });
  return respond(200, body, { etag: tag });
}

function written(rt: ResourceRuntime, context: RequestContext, row: Row, status: number): unknown {
  const body = serialize(rt.collection.plan, writtenView(rt.collection, requestActor(context), row), row);
  const headers: Record<string, string> = {};
  if (rt.etag) headers.etag = entityTag(row);
  // A created object's URL, as RFC 9110 asks of a 201.
  if (status === 201) headers.location = `${rt.path}/${encodeURIComponent(String(row.id))}`;
  return respond(status, body, headers);
}

/** POST /things */
export async function create(rt: ResourceRuntime, raw: HandlerContext): Promise<unknown> {
  const context = request(raw);
  const row = await inBody(() =>
    createObject(rt.collection, context.db, requestActor(context), { ...raw.body }, context),
  );
  return written(rt, context, row, 201);
}

/**
 * Enforces `If-Match` inside the write's transaction, on the row as it is once locked
 * (`lockForWrite`): a change committed meanwhile is a 412.
 */
function ifMatch(rt: ResourceRuntime, raw: HandlerContext): Precondition | undefined {
  const header = raw.headers['if-match'];
  if (!rt.etag || header === undefined) return undefined;
  const model = rt.collection.model;
  return async (db, current) => {
    checkIfMatch(header, entityTag(current));
    const locked = await lockForWrite(model, db, current);
    if (locked === undefined) return current;
    // The lock itself stamped `updatedAt`; any other difference is someone else's write.
    checkIfMatch(header, entityTag(locked.masked));
    return locked.fresh;
  };
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

/** PUT and PATCH /things/:id */
export async function update(
  rt: ResourceRuntime,
  raw: HandlerContext,
  action: 'update' | 'partialUpdate',
): Promise<unknown> {
  requirePrecondition(rt, raw);
  const context = request(raw);
  const row = await inBody(() =>
    updateObject(
      rt.collection,
      context.db,
      requestActor(context),
      raw.params.id,
      { ...raw.body },
      action,
      ifMatch(rt, raw),
      context,
    ),
  );
  return written(rt, context, row, 200);
}

/** DELETE /things/:id */
export async function destroy(rt: ResourceRuntime, raw: HandlerContext): Promise<unknown> {
  requirePrecondition(rt, raw);
  const context = request(raw);
  await deleteObject(
    rt.collection,
    context.db,
    requestActor(context),
    raw.params.id,
    ifMatch(rt, raw),
    context,
  );
  return respond(204, null);
}
