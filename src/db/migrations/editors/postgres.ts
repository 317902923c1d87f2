import { postgresAdapter } from '../../dialects/postgres.js';
import type { FieldState, ModelState, ProjectState, UniqueState } from '../state.js';
import { hasFieldIndex } from '../state.js';
import { fieldNames, identifier, SchemaEditor } from './schema-editor.js';

/** PostgreSQL's schema editor: every change is a plain, transactional `ALTER TABLE`. */
export class PostgresSchemaEditor extends SchemaEditor {
  readonly dialect = 'postgres' as const;
  protected readonly adapter = postgresAdapter;

  /**
   * Basalt sorts NULLs first ascending and last descending on both dialects; a PostgreSQL
   * index on a nullable column says so, so that it serves those orderings and their keysets
   * (its default, NULLS LAST, would leave every such list to a sort).
   */
  protected override indexColumn(field: FieldState): string {
    return field.nullable ? `${this.q(field.column)} NULLS FIRST` : this.q(field.column);
  }

  private alter(table: string, clause: string): void {
    this.execute(`ALTER TABLE ${this.q(table)} ${clause}`);
  }

  /** Renames the constraints and index named after a field's table and column. */
  private renameFieldObjects(fromTable: string, old: FieldState, toTable: string, next: FieldState): void {
    const a = fieldNames(fromTable, old.column);
    const b = fieldNames(toTable, next.column);
    const rename = (x: string, y: string) => {
      if (x !== y) this.alter(toTable, `RENAME CONSTRAINT ${this.q(x)} TO ${this.q(y)}`);
    };
    if (old.unique && next.unique) rename(a.unique, b.unique);
    if (old.target && next.target) rename(a.foreignKey, b.foreignKey);
    if (old.choices && next.choices) rename(a.check, b.check);
    if (hasFieldIndex(old) && hasFieldIndex(next) && a.index !== b.index)
      this.execute(`ALTER INDEX ${this.q(a.index)} RENAME TO ${this.q(b.index)}`);
  }

  renameModel(from: ModelState, to: ModelState): void {
    if (from.table === to.table) return;
    this.alter(from.table, `RENAME TO ${this.q(to.table)}`);
    for (const f of Object.values(from.fields)) {
      const next = to.fields[f.name];
      if (next) this.renameFieldObjects(from.table, f, to.table, next);
    }
  }

  addField(
    _from: ModelState,
    to: ModelState,
    field: FieldState,
    state: ProjectState,
    fill?: { value: unknown },
  ): void {
    const oneOff = fill && !field.nullable && !field.default;
    const definition = this.columnDefinition(to.table, field, state);
    if (!oneOff) this.alter(to.table, `ADD COLUMN ${definition}`);
    else {
      this.alter(to.table, `ADD COLUMN ${definition} DEFAULT ${this.literal(field, fill.value)}`);
      this.alter(to.table, `ALTER COLUMN ${this.q(field.column)} DROP DEFAULT`);
    }
    if (hasFieldIndex(field)) this.createFieldIndex(to.table, field);
  }

  removeField(from: ModelState, _to: ModelState, field: FieldState): void {
    // Dropping the column drops its constraints and indexes with it.
    this.alter(from.table, `DROP COLUMN ${this.q(field.column)}`);
  }

  alterField(from: ModelState, to: ModelState, old: FieldState, next: FieldState, state: ProjectState): void {
    const table = to.table;
    const names = fieldNames(table, next.column);
    if (old.column !== next.column) {
      this.alter(table, `RENAME COLUMN ${this.q(old.column)} TO ${this.q(next.column)}`);
      this.renameFieldObjects(from.table, old, table, next);
    }
    const col = this.q(next.column);
    if (old.target && (!next.target || old.target !== next.target || old.onDelete !== next.onDelete))
      this.alter(table, `DROP CONSTRAINT ${this.q(names.foreignKey)}`);
    if (old.choices && JSON.stringify(old.choices) !== JSON.stringify(next.choices))
      this.alter(table, `DROP CONSTRAINT ${this.q(names.check)}`);
    if (old.unique && !next.unique) this.alter(table, `DROP CONSTRAINT ${this.q(names.unique)}`);
    if (hasFieldIndex(old) && !hasFieldIndex(next)) this.dropFieldIndex(table, next);
    const oldType = this.columnType(old, state);
    const newType = this.columnType(next, state);
    if (oldType !== newType) {
      if (old.default) this.alter(table, `ALTER COLUMN ${col} DROP DEFAULT`);
      this.alter(table, `ALTER COLUMN ${col} TYPE ${newType} USING ${col}::${newType}`);
    }
    if (JSON.stringify(old.default) !== JSON.stringify(next.default) || oldType !== newType) {
      if (next.default)
        this.alter(table, `ALTER COLUMN ${col} SET DEFAULT ${this.literal(next, next.default.value)}`);
      else if (old.default && oldType === newType) this.alter(table, `ALTER COLUMN ${col} DROP DEFAULT`);
    }
    if (old.nullable && !next.nullable) {
      if (next.default)
        this.execute(
          `UPDATE ${this.q(table)} SET ${col} = ${this.literal(next, next.default.value)} WHERE ${col} IS NULL`,
        );
      this.alter(table, `ALTER COLUMN ${col} SET NOT NULL`);
    } else if (!old.nullable && next.nullable) this.alter(table, `ALTER COLUMN ${col} DROP NOT NULL`);
    if (!old.unique && next.unique)
      this.alter(table, `ADD CONSTRAINT ${this.q(names.unique)} UNIQUE (${col})`);
    if (next.target && (!old.target || old.target !== next.target || old.onDelete !== next.onDelete))
      this.alter(
        table,
        `ADD CONSTRAINT ${this.q(names.foreignKey)} FOREIGN KEY (${col}) ${this.references(next, state)}`,
      );
    if (next.choices && JSON.stringify(old.choices) !== JSON.stringify(next.choices))
      this.alter(table, `ADD CONSTRAINT ${this.q(names.check)} ${this.choicesCheck(next)}`);
    if (!hasFieldIndex(old) && hasFieldIndex(next)) this.createFieldIndex(table, next);
  }

  addUnique(_from: ModelState, to: ModelState, unique: UniqueState): void {
    this.alter(to.table, `ADD ${this.uniqueClause(to, unique)}`);
  }

  removeUnique(from: ModelState, _to: ModelState, unique: UniqueState): void {
    this.alter(from.table, `DROP CONSTRAINT ${this.q(identifier(unique.name))}`);
  }

  addCheck(_from: ModelState, to: ModelState, check: { name: string; sql: string }): void {
    this.alter(to.table, `ADD ${this.checkClause(check)}`);
  }

  removeCheck(from: ModelState, _to: ModelState, check: { name: string; sql: string }): void {
    this.alter(from.table, `DROP CONSTRAINT ${this.q(identifier(check.name))}`);
  }
}
