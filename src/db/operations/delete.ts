import { sql } from 'kysely';
import { RecordNotFoundError } from '../errors.js';
import type { AnyModel, HookActor } from '../model.js';
import { compileWhere } from '../query/where.js';
import { hasHooks, loadRow, type OperationHost, primaryKeyValue } from './host.js';
import { mapping } from './map-error.js';

/** Deletes one row, running beforeDelete/afterDelete; NotFound when missing, 409 when still referenced. */
export async function deleteOne(host: OperationHost, model: AnyModel, id: unknown): Promise<void> {
  const remove = async (h: OperationHost) => {
    const ctx = h.ctx;
    const result = await mapping(ctx, model, 'delete', () =>
      sql`delete from ${sql.table(model.meta.table)} where id = ${primaryKeyValue(ctx, model, id)}`.execute(
        ctx.kysely,
      ),
    );
    if (Number(result.numAffectedRows ?? 0) === 0) throw new RecordNotFoundError(model.meta.label);
  };
  if (!hasHooks(model, 'beforeDelete', 'afterDelete')) return remove(host);
  return host.atomic(async (h) => {
    const record = await loadRow(h.ctx, model, id);
    if (!record) throw new RecordNotFoundError(model.meta.label);
    await model.hooks.beforeDelete?.({
      db: h.executor,
      actor: h.ctx.actor as HookActor | undefined,
      operation: 'delete',
      record,
    });
    await remove(h);
    await model.hooks.afterDelete?.({
      db: h.executor,
      actor: h.ctx.actor as HookActor | undefined,
      operation: 'delete',
      record,
    });
  });
}

/** Deletes every matching row in one statement (no hooks; database cascades apply); returns the count. */
export async function deleteMany(host: OperationHost, model: AnyModel, where: object): Promise<number> {
  const ctx = host.ctx;
  const table = sql.table(model.meta.table);
  const cond = compileWhere(ctx, model, where, 't0');
  const result = await mapping(ctx, model, 'delete', () =>
    sql`delete from ${table} where id in (select t0.id from ${table} as t0 where ${cond})`.execute(
      ctx.kysely,
    ),
  );
  return Number(result.numAffectedRows ?? 0);
}
