import { createHash } from 'node:crypto';
import type { DialectAdapter } from '../../dialects/dialect.js';
import { quoteId, quoteString } from '../../dialects/dialect.js';
import type { FieldMeta } from '../../meta.js';
import type { MigrationStep, RunCodeContext } from '../operation.js';
import type { FieldState, IndexState, ModelState, ProjectState, UniqueState } from '../state.js';
import { columnsOf, hasFieldIndex, requireModel } from '../state.js';

const ON_DELETE = {
  cascade: 'CASCADE',
  setNull: 'SET NULL',
  restrict: 'RESTRICT',
  protect: 'RESTRICT',
} as const;

/** A database identifier no longer than PostgreSQL's 63 bytes (long names end in a short hash). */
export function identifier(name: string): string {
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 54)}_${hash}`;
}

/** Names of the constraints and index a single field carries. */
export function fieldNames(table: string, column: string) {
  return {
    index: identifier(`${table}_${column}_idx`),
    unique: identifier(`${table}_${column}_key`),
    foreignKey: identifier(`${table}_${column}_fkey`),
    check: identifier(`${table}_${column}_check`),
  };
}

/** A {@link FieldMeta} for a field state, enough for the dialect adapters' type and literal functions. */
export function asFieldMeta(field: FieldState): FieldMeta {
  return {
    name: field.name,
    kind: field.kind,
    attribute: field.name,
    column: field.column,
    primaryKey: field.primaryKey,
    autoIncrement: field.autoIncrement,
    auto: null,
    nullable: field.nullable,
    default: field.default ? { kind: 'value', value: field.default.value } : { kind: 'none' },
    unique: field.unique,
    index: field.index,
    label: field.name,
    help: null,
    readOnly: false,
    writeOnly: false,
    validators: 0,
    max: field.max,
    precision: field.precision,
    scale: field.scale,
    choices: field.choices ? field.choices.map((value) => ({ value, label: value })) : null,
    jsonSchema: null,
    accept: null,
    relation: null,
  };
}

/**
 * Turns schema changes into SQL for one dialect and collects them as steps. Operations call
 * it; the runner executes the steps, `sqlmigrate` prints them.
 */
export abstract class SchemaEditor {
  /** The collected steps, in order. */
  readonly steps: MigrationStep[] = [];
  abstract readonly dialect: 'sqlite' | 'postgres';
  protected abstract readonly adapter: DialectAdapter;

  /** Adds a SQL statement. */
  execute(sql: string): void {
    this.steps.push({ kind: 'sql', sql });
  }

  /** Adds a data-migration function. */
  runCode(description: string, run: (context: RunCodeContext) => Promise<void> | void): void {
    this.steps.push({ kind: 'code', description, run });
  }

  protected q(name: string): string {
    return quoteId(name);
  }

  /** A SQL literal of a field's value. */
  literal(field: FieldState, value: unknown): string {
    return this.adapter.literal(asFieldMeta(field), value);
  }

  /** The SQL type of a field's column. */
  columnType(field: FieldState, state: ProjectState): string {
    const targetKey = field.target ? requireModel(state, field.target).primaryKey : 'integer';
    return this.adapter.columnType(asFieldMeta(field), targetKey);
  }

  /** A column definition with its inline constraints (named, so they can be dropped later). */
  columnDefinition(table: string, field: FieldState, state: ProjectState): string {
    const col = this.q(field.column);
    if (field.primaryKey) {
      return `${col} ${this.adapter.primaryKeyDefinition(field.kind === 'uuid' ? 'uuid' : 'integer')}`;
    }
    const names = fieldNames(table, field.column);
    const parts = [col, this.columnType(field, state)];
    if (!field.nullable) parts.push('NOT NULL');
    if (field.default) parts.push(`DEFAULT ${this.literal(field, field.default.value)}`);
    if (field.unique) parts.push(`CONSTRAINT ${this.q(names.unique)} UNIQUE`);
    if (field.target) parts.push(`CONSTRAINT ${this.q(names.foreignKey)} ${this.references(field, state)}`);
    if (field.choices) parts.push(`CONSTRAINT ${this.q(names.check)} ${this.choicesCheck(field)}`);
    return parts.join(' ');
  }

  /** `REFERENCES "author" ("id") ON DELETE CASCADE`. */
  references(field: FieldState, state: ProjectState): string {
    const target = requireModel(state, field.target!);
    return `REFERENCES ${this.q(target.table)} (${this.q('id')}) ON DELETE ${ON_DELETE[field.onDelete ?? 'restrict']}`;
  }

  /** The CHECK clause limiting an enum column to its choices. */
  choicesCheck(field: FieldState): string {
    return `CHECK (${this.q(field.column)} IN (${(field.choices ?? []).map(quoteString).join(', ')}))`;
  }

  /** `CONSTRAINT name UNIQUE (...)` of a unique-together. */
  uniqueClause(model: ModelState, unique: UniqueState): string {
    const cols = columnsOf(model, unique.fields).map((c) => this.q(c));
    return `CONSTRAINT ${this.q(identifier(unique.name))} UNIQUE (${cols.join(', ')})`;
  }

  /** `CONSTRAINT name CHECK (...)`. */
  checkClause(check: { name: string; sql: string }): string {
    return `CONSTRAINT ${this.q(identifier(check.name))} CHECK (${check.sql})`;
  }

  /** CREATE TABLE for a model (under another name during a SQLite rebuild); no indexes. */
  createTableSql(model: ModelState, state: ProjectState, table = model.table): string {
    const lines = Object.values(model.fields).map((f) => this.columnDefinition(model.table, f, state));
    for (const u of model.unique) lines.push(this.uniqueClause(model, u));
    for (const c of model.checks) lines.push(this.checkClause(c));
    return `CREATE TABLE ${this.q(table)} (\n  ${lines.join(',\n  ')}\n)`;
  }

  /** Creates a model's table and its indexes. */
  createModel(model: ModelState, state: ProjectState): void {
    this.execute(this.createTableSql(model, state));
    this.createIndexes(model);
  }

  /** Creates the field-level and model-level indexes of a model. */
  createIndexes(model: ModelState): void {
    for (const f of Object.values(model.fields)) if (hasFieldIndex(f)) this.createFieldIndex(model.table, f);
    for (const ix of model.indexes) this.addIndex(model, ix);
  }

  /** Drops a model's table. */
  deleteModel(model: ModelState): void {
    this.execute(`DROP TABLE ${this.q(model.table)}`);
  }

  /** A column of an index, as lists order it (see {@link PostgresSchemaEditor.indexColumn}). */
  protected indexColumn(field: FieldState): string {
    return this.q(field.column);
  }

  /** CREATE INDEX for a field with `index: true`. */
  createFieldIndex(table: string, field: FieldState): void {
    const name = fieldNames(table, field.column).index;
    this.execute(`CREATE INDEX ${this.q(name)} ON ${this.q(table)} (${this.indexColumn(field)})`);
  }

  /** DROP INDEX for a field with `index: true`. */
  dropFieldIndex(table: string, field: FieldState): void {
    this.execute(`DROP INDEX ${this.q(fieldNames(table, field.column).index)}`);
  }

  /** CREATE [UNIQUE] INDEX, partial with `where`. */
  addIndex(model: ModelState, index: IndexState): void {
    columnsOf(model, index.fields);
    const cols = index.fields.map((name) => this.indexColumn(model.fields[name]!));
    const unique = index.unique ? 'UNIQUE ' : '';
    const where = index.where ? ` WHERE ${index.where}` : '';
    this.execute(
      `CREATE ${unique}INDEX ${this.q(identifier(index.name))} ON ${this.q(model.table)} (${cols.join(', ')})${where}`,
    );
  }

  /** DROP INDEX. */
  removeIndex(_model: ModelState, index: IndexState): void {
    this.execute(`DROP INDEX ${this.q(identifier(index.name))}`);
  }

  /** Renames a table (and what is named after it). */
  abstract renameModel(from: ModelState, to: ModelState, state: ProjectState): void;
  /**
   * Adds a column; `from`/`to` are the model before and after. `fill` is a one-off value for the
   * rows already there when the column is NOT NULL without a default.
   */
  abstract addField(
    from: ModelState,
    to: ModelState,
    field: FieldState,
    state: ProjectState,
    fill?: { value: unknown },
  ): void;
  /** Drops a column. */
  abstract removeField(from: ModelState, to: ModelState, field: FieldState, state: ProjectState): void;
  /** Changes a column's type, nullability, default, constraints or name. */
  abstract alterField(
    from: ModelState,
    to: ModelState,
    oldField: FieldState,
    newField: FieldState,
    state: ProjectState,
  ): void;
  /** Adds a unique-together constraint. */
  abstract addUnique(from: ModelState, to: ModelState, unique: UniqueState, state: ProjectState): void;
  /** Drops a unique-together constraint. */
  abstract removeUnique(from: ModelState, to: ModelState, unique: UniqueState, state: ProjectState): void;
  /** Adds a check constraint. */
  abstract addCheck(
    from: ModelState,
    to: ModelState,
    check: { name: string; sql: string },
    state: ProjectState,
  ): void;
  /** Drops a check constraint. */
  abstract removeCheck(
    from: ModelState,
    to: ModelState,
    check: { name: string; sql: string },
    state: ProjectState,
  ): void;
}
