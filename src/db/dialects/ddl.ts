import type { FieldMeta, ModelMeta } from '../meta.js';
import type { AnyModel } from '../model.js';
import { createSearchSql } from '../query/search.js';
import type { ModelRegistry } from '../registry.js';
import type { DialectAdapter } from './dialect.js';
import { quoteId, quoteString } from './dialect.js';

const ON_DELETE = {
  cascade: 'cascade',
  restrict: 'restrict',
  protect: 'restrict',
  setNull: 'set null',
} as const;

/** Column definition (`"title" varchar(200) not null ...`) of one column-backed field. */
export function columnDefinition(adapter: DialectAdapter, meta: FieldMeta, target: ModelMeta | null): string {
  const name = quoteId(meta.column!);
  if (meta.primaryKey)
    return `${name} ${adapter.primaryKeyDefinition(meta.kind === 'uuid' ? 'uuid' : 'integer')}`;
  const parts = [name, adapter.columnType(meta, target?.primaryKey.type ?? 'integer')];
  if (!meta.nullable) parts.push('not null');
  if (meta.unique) parts.push('unique');
  if (meta.default.kind === 'value' && meta.default.value !== undefined)
    parts.push(`default ${adapter.literal(meta, meta.default.value)}`);
  if (meta.kind === 'enum' && meta.choices) {
    parts.push(`check (${name} in (${meta.choices.map((c) => quoteString(c.value)).join(', ')}))`);
  }
  if (meta.kind === 'belongsTo' && target) {
    const action = ON_DELETE[meta.relation?.onDelete ?? 'cascade'];
    parts.push(
      `references ${quoteId(target.table)} (${quoteId(target.primaryKey.column)}) on delete ${action}`,
    );
  }
  return parts.join(' ');
}

/**
 * A column of an index: on PostgreSQL a nullable one is `NULLS FIRST`, the order Basalt's
 * lists use (see the migrations' PostgreSQL schema editor).
 */
function indexColumn(adapter: DialectAdapter, field: FieldMeta): string {
  const column = quoteId(field.column!);
  return adapter.name === 'postgres' && field.nullable ? `${column} nulls first` : column;
}

/** Index name for a single-field `index: true`. */
export function fieldIndexName(table: string, column: string): string {
  return `${table}_${column}_idx`;
}

/** `create table` and `create index` statements for a model (join tables: {@link joinTableStatements}). */
export function createTableStatements(
  adapter: DialectAdapter,
  model: AnyModel,
  registry: ModelRegistry,
): string[] {
  const meta = model.meta;
  const table = quoteId(meta.table);
  const lines: string[] = [];
  const after: string[] = [];
  for (const field of Object.values(meta.fields)) {
    if (field.column === null) continue;
    const target = field.kind === 'belongsTo' ? registry.target(model, field.name).meta : null;
    lines.push(columnDefinition(adapter, field, target));
    if (field.index && !field.unique)
      after.push(
        `create index ${quoteId(fieldIndexName(meta.table, field.column))} on ${table} (${indexColumn(adapter, field)})`,
      );
  }
  for (const u of meta.unique)
    lines.push(`constraint ${quoteId(u.name)} unique (${u.columns.map(quoteId).join(', ')})`);
  for (const c of meta.checks) lines.push(`constraint ${quoteId(c.name)} check (${c.sql})`);
  for (const ix of meta.indexes) {
    after.push(
      `create ${ix.unique ? 'unique ' : ''}index ${quoteId(ix.name)} on ${table} (${ix.fields.map((name) => indexColumn(adapter, meta.fields[name]!)).join(', ')})${ix.where ? ` where ${ix.where}` : ''}`,
    );
  }
  // The model's search index, as its migration's searchIndex() makes it.
  if (meta.search)
    after.push(
      ...createSearchSql(adapter.name, {
        table: meta.table,
        columns: meta.search.columns,
        mode: meta.search.mode,
        language: meta.search.language,
      }),
    );
  return [`create table ${table} (\n  ${lines.join(',\n  ')}\n)`, ...after];
}

/** Statements creating the automatic join tables of a model's many-to-many fields. */
export function joinTableStatements(
  adapter: DialectAdapter,
  model: AnyModel,
  registry: ModelRegistry,
): string[] {
  const meta = model.meta;
  const statements: string[] = [];
  for (const field of Object.values(meta.fields)) {
    const through = field.relation?.through;
    if (field.kind !== 'manyToMany' || !through || through.model !== null) continue;
    const target = registry.target(model, field.name).meta;
    const fk = (column: string, ref: ModelMeta) =>
      `${quoteId(column)} ${adapter.columnType({ kind: 'belongsTo' } as FieldMeta, ref.primaryKey.type)} not null references ${quoteId(ref.table)} (${quoteId(ref.primaryKey.column)}) on delete cascade`;
    statements.push(
      `create table ${quoteId(through.table)} (\n  ${quoteId('id')} ${adapter.primaryKeyDefinition('integer')},\n  ${fk(through.sourceColumn, meta)},\n  ${fk(through.targetColumn, target)},\n  constraint ${quoteId(`${through.table}_uniq`)} unique (${quoteId(through.sourceColumn)}, ${quoteId(through.targetColumn)})\n)`,
      `create index ${quoteId(`${through.table}_${through.targetColumn}_idx`)} on ${quoteId(through.table)} (${quoteId(through.targetColumn)})`,
    );
  }
  return statements;
}

/** `drop table` statements for a model and its automatic join tables (join tables first). */
export function dropTableStatements(adapter: DialectAdapter, model: AnyModel): string[] {
  const cascade = adapter.name === 'postgres' ? ' cascade' : '';
  const joins = Object.values(model.meta.fields)
    .map((f) => f.relation?.through)
    .filter((t): t is NonNullable<typeof t> => !!t && t.model === null)
    .map((t) => `drop table if exists ${quoteId(t.table)}${cascade}`);
  return [...joins, `drop table if exists ${quoteId(model.meta.table)}${cascade}`];
}

/** Orders models so that every belongsTo target comes before the models pointing at it. */
export function sortByDependency(models: AnyModel[], registry: ModelRegistry): AnyModel[] {
  const out: AnyModel[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: AnyModel) => {
    if (state.get(model.name)) return;
    state.set(model.name, 'visiting');
    for (const field of Object.values(model.meta.fields)) {
      if (field.kind !== 'belongsTo') continue;
      const target = registry.target(model, field.name);
      if (target.name !== model.name && !state.get(target.name)) visit(target);
    }
    state.set(model.name, 'done');
    out.push(model);
  };
  for (const model of models) visit(model);
  return out;
}
