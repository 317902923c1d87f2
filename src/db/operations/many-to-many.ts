import { sql } from 'kysely';
import type { DbContext } from '../context.js';
import { ForeignKeyViolationError } from '../errors.js';
import type { AnyModel } from '../model.js';
import { mapDbError } from './map-error.js';

/** Replaces the targets linked to row `id` through many-to-many field `field`. */
export async function setManyToMany(
  ctx: DbContext,
  model: AnyModel,
  id: unknown,
  field: string,
  keys: unknown[],
): Promise<void> {
  const relation = ctx.registry.relations(model).get(field);
  const through = relation?.through;
  if (!relation || !through) return;
  const table = sql.table(through.table);
  const source = sql.ref(through.sourceColumn);
  const target = sql.ref(through.targetColumn);
  await sql`delete from ${table} where ${source} = ${id}`.execute(ctx.kysely);
  const unique = [...new Set(keys)];
  if (unique.length === 0) return;
  const rows = sql.join(unique.map((k) => sql`(${id}, ${k})`));
  try {
    await sql`insert into ${table} (${source}, ${target}) values ${rows}`.execute(ctx.kysely);
  } catch (error) {
    const mapped = mapDbError(ctx, model, error, 'write');
    if (mapped instanceof ForeignKeyViolationError) {
      throw new ForeignKeyViolationError(
        model.name,
        [field],
        `Some ${relation.target.meta.pluralLabel.toLowerCase()} do not exist.`,
        { cause: error },
      );
    }
    throw mapped;
  }
}
