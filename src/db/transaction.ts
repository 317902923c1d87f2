import { sql } from 'kysely';
import { type DbContext, holdingConnection, type TxScope } from './context.js';
import type { TransactionOptions } from './executor.js';
import { mapLockError } from './operations/map-error.js';

/**
 * Runs `fn` atomically on `ctx`: a database transaction at the top level, a savepoint
 * inside one. After-commit callbacks registered in a savepoint that rolls back are
 * dropped; the rest run once the outermost transaction has committed. After-rollback
 * callbacks run when the savepoint or transaction they were registered in rolls back
 * (a released savepoint hands them to its parent).
 *
 * A read-write transaction on SQLite begins with `BEGIN IMMEDIATE` (see the SQLite dialect);
 * `readOnly` begins a read-only one (deferred on SQLite). Options apply to the outermost
 * transaction only: a savepoint keeps its transaction's mode. A lock not obtained in time,
 * at `BEGIN` or by any statement, surfaces as a `LockTimeoutError`.
 */
export async function runAtomic<T>(
  ctx: DbContext,
  fn: (inner: DbContext) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  if (ctx.scope === null) {
    const readOnly = options?.readOnly === true;
    const scope: TxScope = {
      depth: 1,
      callbacks: [],
      rollbacks: [],
      parent: null,
      savepoints: { next: 1 },
      readOnly,
    };
    const builder = ctx.kysely.transaction();
    let result: T;
    try {
      result = await (readOnly ? builder.setAccessMode('read only') : builder).execute((trx) => {
        const run = () => fn({ ...ctx, kysely: trx, scope });
        return ctx.key ? holdingConnection(ctx.key, run) : run();
      });
    } catch (error) {
      await runRollbacks(scope.rollbacks);
      throw mapLockError(ctx, error);
    }
    await runCallbacks(scope.callbacks);
    return result;
  }
  const parent = ctx.scope;
  const scope: TxScope = {
    depth: parent.depth + 1,
    callbacks: [],
    rollbacks: [],
    parent,
    savepoints: parent.savepoints,
    readOnly: parent.readOnly,
  };
  const name = sql.id(`basalt_sp_${scope.savepoints.next++}`);
  await sql`savepoint ${name}`.execute(ctx.kysely);
  let result: T;
  try {
    result = await fn({ ...ctx, scope });
  } catch (error) {
    await sql`rollback to savepoint ${name}`.execute(ctx.kysely);
    await sql`release savepoint ${name}`.execute(ctx.kysely);
    await runRollbacks(scope.rollbacks);
    throw error;
  }
  await sql`release savepoint ${name}`.execute(ctx.kysely);
  parent.callbacks.push(...scope.callbacks);
  parent.rollbacks.push(...scope.rollbacks);
  return result;
}

/** Registers an after-commit callback, or runs it now outside a transaction. */
export async function afterCommit(ctx: DbContext, fn: () => unknown): Promise<void> {
  if (ctx.scope === null) await fn();
  else ctx.scope.callbacks.push(fn);
}

/**
 * Registers an after-rollback callback (e.g. removing a file uploaded for a row that is
 * not kept); outside a transaction there is nothing to roll back and it never runs.
 */
export async function afterRollback(ctx: DbContext, fn: () => unknown): Promise<void> {
  ctx.scope?.rollbacks.push(fn);
}

async function runRollbacks(callbacks: Array<() => unknown>): Promise<void> {
  // The transaction's own error is what the caller gets: a failing clean-up must not hide
  // it, so each callback's failure is ignored (what it left behind, a check can find).
  for (const callback of callbacks) {
    try {
      await callback();
    } catch {
      // ignored, see above
    }
  }
}

async function runCallbacks(callbacks: Array<() => unknown>): Promise<void> {
  // Every callback runs even if one fails: the data is committed, so each side effect gets
  // its chance; the first failure is re-thrown afterwards.
  let failure: { error: unknown } | undefined;
  for (const callback of callbacks) {
    try {
      await callback();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}
