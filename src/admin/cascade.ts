import type { AnyModel, Executor } from '../db/index.js';

/** What deleting some rows does to the rows that point at them, per model and relation. */
export interface CascadeEffect {
  readonly model: AnyModel;
  /** The belongsTo field of `model` pointing at the deleted rows. */
  readonly field: string;
  /** `delete`: deleted with them (cascade, also further down); `unlink`: the field emptied; `block`: the delete is refused. */
  readonly effect: 'delete' | 'unlink' | 'block';
  readonly count: number;
}

/** Rows per level whose own dependents are looked at (a bigger cascade is counted, not walked further). */
const WALK_LIMIT = 10_000;
const IN_CHUNK = 500;

/**
 * Walks the relations that point at `model` from every model of the app, as the database's
 * foreign keys will act on a delete of `ids` (a belongsTo's `onDelete`, `cascade` by default):
 * what is deleted with them, what is unlinked, and what blocks the delete.
 */
export async function cascadeOf(
  db: Executor,
  models: ReadonlyMap<string, AnyModel>,
  model: AnyModel,
  ids: readonly unknown[],
  seen: Set<AnyModel> = new Set([model]),
): Promise<CascadeEffect[]> {
  const effects: CascadeEffect[] = [];
  if (ids.length === 0) return effects;
  for (const other of models.values()) {
    for (const meta of Object.values(other.meta.fields)) {
      if (meta.kind !== 'belongsTo' || meta.relation?.target !== model.name || !meta.attribute) continue;
      const onDelete = meta.relation.onDelete ?? 'cascade';
      const effect = onDelete === 'cascade' ? 'delete' : onDelete === 'setNull' ? 'unlink' : 'block';
      let count = 0;
      const children: unknown[] = [];
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        const where = { [meta.attribute]: { in: ids.slice(i, i + IN_CHUNK) } };
        const query = db.query(other as never).where(where as never);
        count += await query.count();
        if (effect === 'delete' && children.length < WALK_LIMIT && !seen.has(other)) {
          const rows = (await query.limit(WALK_LIMIT - children.length).all()) as { id: unknown }[];
          for (const row of rows) children.push(row.id);
        }
      }
      if (count === 0) continue;
      effects.push({ model: other, field: meta.name, effect, count });
      if (effect === 'delete' && !seen.has(other)) {
        seen.add(other);
        effects.push(...(await cascadeOf(db, models, other, children, seen)));
      }
    }
  }
  return effects;
}
