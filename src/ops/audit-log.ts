import { ValidationError } from '../core/index.js';
import type { AnyModel, Executor } from '../db/index.js';
import type { Actor, ActorKind } from './actor.js';
import type { AuditChanges, AuditOperation } from './audit.js';
import { AuditEntry } from './audit-entry.js';
import type { Collection } from './collection.js';

/** One recorded write, as {@link auditLog} reads it. */
export interface AuditRecord {
  id: number;
  action: AuditOperation;
  /** The model's name (`order`). */
  model: string;
  /** The object's primary key, as text. */
  objectId: string;
  /** Who wrote: kind, user id (as text) and label (email or username), kept after the user is deleted. */
  actor: { kind: ActorKind; id: string | null; label: string | null };
  /** `{ field: [before, after] }` of the changed fields; secrets appear as `'[redacted]'`. */
  changes: AuditChanges;
  at: Date;
}

/** A page of entries, newest first; pass `next` as `before` for the following page (`null`: no more). */
export interface AuditPage {
  entries: AuditRecord[];
  next: number | null;
}

/** Which page of entries to read. */
export interface AuditPageOptions {
  /** Entries per page (1 to 500, default 50). */
  limit?: number;
  /** Only entries older than this entry id (the `next` of the previous page). */
  before?: number;
}

/** Reads the audit log: an object's history, or what an actor did. */
export interface AuditLog {
  /** The history of one object (created, changed, deleted), newest first. */
  forObject(
    target: Collection<AnyModel, unknown> | AnyModel,
    id: unknown,
    options?: AuditPageOptions,
  ): Promise<AuditPage>;
  /** What one actor wrote, newest first: an actor, or a user's id (`byActor(user.id)`). */
  byActor(actor: Actor | string | number, options?: AuditPageOptions): Promise<AuditPage>;
}

const MAX_LIMIT = 500;

function pageOptions(options: AuditPageOptions): { limit: number; before: number | undefined } {
  const { limit = 50, before } = options;
  const errors = [];
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    errors.push({
      pointer: '/limit',
      detail: `must be a whole number from 1 to ${MAX_LIMIT}`,
      code: 'range',
    });
  if (before !== undefined && (!Number.isInteger(before) || before < 1))
    errors.push({
      pointer: '/before',
      detail: 'must be an entry id (a positive whole number)',
      code: 'type',
    });
  if (errors.length > 0) throw new ValidationError(errors, 'Invalid audit log page');
  return { limit, before };
}

type EntryRow = {
  id: number;
  action: string;
  model: string;
  objectId: string;
  actorKind: string;
  actorId: string | null;
  actorLabel: string | null;
  changes: unknown;
  at: Date;
};

function toRecord(row: EntryRow): AuditRecord {
  return {
    id: row.id,
    action: row.action as AuditOperation,
    model: row.model,
    objectId: row.objectId,
    actor: { kind: row.actorKind as ActorKind, id: row.actorId ?? null, label: row.actorLabel ?? null },
    changes: (row.changes ?? {}) as AuditChanges,
    at: row.at,
  };
}

class DatabaseAuditLog implements AuditLog {
  readonly #db: Executor;

  constructor(db: Executor) {
    this.#db = db;
  }

  forObject(
    target: Collection<AnyModel, unknown> | AnyModel,
    id: unknown,
    options: AuditPageOptions = {},
  ): Promise<AuditPage> {
    const model = (target as { model?: AnyModel }).model ?? (target as AnyModel);
    if (!model?.meta) throw new TypeError('auditLog().forObject() takes a collection or a model');
    if (id === null || id === undefined || (typeof id === 'object' && !(id instanceof Date)))
      throw new ValidationError([{ pointer: '/id', detail: 'must be the object\u2019s id', code: 'type' }]);
    return this.#page({ model: model.name, objectId: String(id) }, options);
  }

  byActor(actor: Actor | string | number, options: AuditPageOptions = {}): Promise<AuditPage> {
    if (typeof actor === 'string' || typeof actor === 'number')
      return this.#page({ actorKind: 'user', actorId: String(actor) }, options);
    if (actor?.kind === undefined)
      throw new ValidationError([
        { pointer: '/actor', detail: 'must be an actor or a user id', code: 'type' },
      ]);
    if (actor.user) return this.#page({ actorKind: 'user', actorId: String(actor.user.id) }, options);
    return this.#page({ actorKind: actor.kind }, options);
  }

  async #page(where: Record<string, unknown>, options: AuditPageOptions): Promise<AuditPage> {
    const { limit, before } = pageOptions(options);
    let query = this.#db.query(AuditEntry).where(where as never);
    if (before !== undefined) query = query.where({ id: { lt: before } });
    const rows = (await query
      .orderBy('-id')
      .limit(limit + 1)
      .all()) as EntryRow[];
    const more = rows.length > limit;
    const entries = (more ? rows.slice(0, limit) : rows).map(toRecord);
    return { entries, next: more ? entries[entries.length - 1]!.id : null };
  }
}

/**
 * The audit log of a database (or transaction): `auditLog(db).forObject(orders, 7)`,
 * `auditLog(db).byActor(user.id)`. Entries are written by collections with `audit` on.
 *
 * @example
 * const { entries, next } = await auditLog(db).forObject(Order, order.id, { limit: 20 });
 * // entries[0]: { action: 'update', actor: { kind: 'user', id: '3', label: 'ann@example.com' },
 * //               changes: { status: ['placed', 'shipped'] }, at: Date, ... }
 */
export function auditLog(db: Executor): AuditLog {
  return new DatabaseAuditLog(db);
}
