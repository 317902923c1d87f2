import { sqliteAdapter } from '../../dialects/sqlite.js';
import { searchTableName, searchTriggerSql } from '../../query/search.js';
import { searchTarget } from '../operations/search.js';
import type { FieldState, ModelState, ProjectState, UniqueState } from '../state.js';
import { hasFieldIndex, sameDefinition } from '../state.js';
import { fieldNames, SchemaEditor } from './schema-editor.js';

/**
 * SQLite's schema editor. What `ALTER TABLE` cannot do is done with the table rebuild SQLite
 * documents (https://www.sqlite.org/lang_altertable.html#otheralter): create the new table,
 * copy the rows, drop the old one, rename, recreate the indexes. The runner turns foreign keys
 * off around the migration and runs `PRAGMA foreign_key_check` before committing.
 */
export class SqliteSchemaEditor extends SchemaEditor {
  readonly dialect = 'sqlite' as const;
  protected readonly adapter = sqliteAdapter;

  /**
   * Rebuilds `from` as `to`, keeping the rows. `sources` maps a new field name to the old
   * field it is copied from (by default the field of the same name).
   */
  rebuild(
    from: ModelState,
    to: ModelState,
    state: ProjectState,
    sources: Record<string, string> = {},
    fills: Record<string, string> = {},
  ): void {
    const tmp = `new__${to.table}`;
    this.execute(this.createTableSql(to, state, tmp));
    const columns: string[] = [];
    const values: string[] = [];
    for (const field of Object.values(to.fields)) {
      const old = from.fields[sources[field.name] ?? field.name];
      const fallback = fills[field.name] ?? (field.default ? this.literal(field, field.default.value) : null);
      if (!old && fallback === null && !field.nullable) continue;
      columns.push(this.q(field.column));
      if (!old) values.push(fallback ?? 'NULL');
      else if (old.nullable && !field.nullable && fallback !== null)
        values.push(`COALESCE(${this.q(old.column)}, ${fallback})`);
      else values.push(this.q(old.column));
    }
    this.execute(
      `INSERT INTO ${this.q(tmp)} (${columns.join(', ')}) SELECT ${values.join(', ')} FROM ${this.q(from.table)}`,
    );
    this.execute(`DROP TABLE ${this.q(from.table)}`);
    this.execute(`ALTER TABLE ${this.q(tmp)} RENAME TO ${this.q(to.table)}`);
    this.createIndexes(to);
    // Dropping the table dropped the search triggers; the rows may have new rowids.
    if (to.search) {
      const target = searchTarget(to, to.search);
      for (const s of searchTriggerSql(target)) this.execute(s);
      const fts = this.q(searchTableName(to.table));
      this.execute(`INSERT INTO ${fts}(${fts}) VALUES ('rebuild')`);
    }
  }

  override deleteModel(model: ModelState): void {
    super.deleteModel(model);
    if (model.search) this.execute(`DROP TABLE ${this.q(searchTableName(model.table))}`);
  }

  renameModel(from: ModelState, to: ModelState): void {
    if (from.table === to.table) return;
    this.execute(`ALTER TABLE ${this.q(from.table)} RENAME TO ${this.q(to.table)}`);
    for (const f of Object.values(from.fields)) {
      if (!hasFieldIndex(f)) continue;
      this.execute(`DROP INDEX ${this.q(fieldNames(from.table, f.column).index)}`);
      this.createFieldIndex(to.table, f);
    }
  }

  addField(
    from: ModelState,
    to: ModelState,
    field: FieldState,
    state: ProjectState,
    fill?: { value: unknown },
  ): void {
    if (fill && !field.nullable && !field.default) {
      this.rebuild(from, to, state, {}, { [field.name]: this.literal(field, fill.value) });
      return;
    }
    const simple =
      !field.primaryKey &&
      !field.unique &&
      (field.nullable || field.default !== null) &&
      !(field.target && field.default !== null);
    if (!simple) {
      this.rebuild(from, to, state);
      return;
    }
    this.execute(
      `ALTER TABLE ${this.q(to.table)} ADD COLUMN ${this.columnDefinition(to.table, field, state)}`,
    );
    if (hasFieldIndex(field)) this.createFieldIndex(to.table, field);
  }

  removeField(from: ModelState, to: ModelState, field: FieldState, state: ProjectState): void {
    const used =
      from.indexes.some((i) => i.fields.includes(field.name) || i.where !== undefined) ||
      from.unique.some((u) => u.fields.includes(field.name)) ||
      from.checks.length > 0;
    if (used || field.unique || field.primaryKey || field.target) {
      this.rebuild(from, to, state);
      return;
    }
    if (hasFieldIndex(field)) this.dropFieldIndex(from.table, field);
    this.execute(`ALTER TABLE ${this.q(from.table)} DROP COLUMN ${this.q(field.column)}`);
  }

  alterField(
    from: ModelState,
    to: ModelState,
    oldField: FieldState,
    newField: FieldState,
    state: ProjectState,
  ): void {
    const sameExceptIndex = sameDefinition({ ...oldField, index: false }, { ...newField, index: false });
    if (!sameExceptIndex) {
      this.rebuild(from, to, state, { [newField.name]: oldField.name });
      return;
    }
    if (hasFieldIndex(oldField)) this.dropFieldIndex(from.table, oldField);
    if (oldField.column !== newField.column) {
      this.execute(
        `ALTER TABLE ${this.q(to.table)} RENAME COLUMN ${this.q(oldField.column)} TO ${this.q(newField.column)}`,
      );
    }
    if (hasFieldIndex(newField)) this.createFieldIndex(to.table, newField);
  }

  addUnique(from: ModelState, to: ModelState, _unique: UniqueState, state: ProjectState): void {
    this.rebuild(from, to, state);
  }

  removeUnique(from: ModelState, to: ModelState, _unique: UniqueState, state: ProjectState): void {
    this.rebuild(from, to, state);
  }

  addCheck(from: ModelState, to: ModelState, _check: unknown, state: ProjectState): void {
    this.rebuild(from, to, state);
  }

  removeCheck(from: ModelState, to: ModelState, _check: unknown, state: ProjectState): void {
    this.rebuild(from, to, state);
  }
}
