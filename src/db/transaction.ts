import { sql } from 'kysely';
import { type DbContext, holdingConnection, type TxScope } from './context.js';

/**
 * Runs `fn` atomically on `ctx`: a database transaction at the top level, a savepoint
 * inside one. After-commit callbacks registered in a savepoint that rolls back are
 * dropped; the rest run once the outermost transaction has committed. After-rollback
 * callbacks run when the savepoint or transaction they were registered in rolls back
 * (a released savepoint hands them to its parent).
 */
export async function runAtomic<T>(ctx: DbContext, fn: (inner: DbContext) => Promise<T>): Promise<T> {
  if (ctx.scope === null) {
    const scope: TxScope = { depth: 1, callbacks: [], rollbacks: [], parent: null, savepoints: { next: 1 } };
    let result: T;
    try {
      result = await ctx.kysely.transaction().execute((trx) => {
        const run = () => fn({ ...ctx, kysely: trx, scope });
        return ctx.key ? holdingConnection(ctx.key, run) : run();
      });
    } catch (error) {
      await runRollbacks(scope.rollbacks);
      throw error;
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
