import type { Executor } from '../db/index.js';
import type { Actor } from './actor.js';
import type { CollectionRuntime } from './collection.js';

type Row = Record<string, unknown>;

/** The kind of write an audit entry records. */
export type AuditOperation = 'create' | 'update' | 'delete';

/** Whether writes to this collection are recorded (they then always run in a transaction). */
export function audited(_rt: CollectionRuntime): boolean {
  return false;
}

/**
 * Records one write of an audited collection, inside the write's transaction: `before` is
 * the row before an update or delete, `after` the row after a create or update.
 */
export async function recordWrite(
  _rt: CollectionRuntime,
  _db: Executor,
  _actor: Actor,
  _operation: AuditOperation,
  _before: Row | undefined,
  _after: Row | undefined,
): Promise<void> {}
