import { PostgresSchemaEditor } from './editors/postgres.js';
import type { SchemaEditor } from './editors/schema-editor.js';
import { SqliteSchemaEditor } from './editors/sqlite.js';
import { MigrationError } from './errors.js';
import type { MigrationStep, Operation } from './operation.js';
import type { ProjectState } from './state.js';
import { cloneState } from './state.js';

/** What a migration file declares. */
export interface MigrationDefinition {
  /** Names of migrations that must be applied first (usually the previous file). */
  dependencies?: string[];
  operations: Operation[];
}

/** A migration declared with {@link defineMigration}. */
export interface Migration {
  readonly kind: 'migration';
  readonly dependencies: readonly string[];
  readonly operations: readonly Operation[];
}

/** A migration with the name of its file (`0002_book_isbn`). */
export interface NamedMigration extends Migration {
  readonly name: string;
}

/**
 * Declares a migration; a migration file default-exports it.
 *
 * @example
 * export default defineMigration({
 *   dependencies: ['0001_initial'],
 *   operations: [addField('book', 'isbn', { kind: 'string', max: 13, nullable: true })],
 * });
 */
export function defineMigration(definition: MigrationDefinition): Migration {
  return {
    kind: 'migration',
    dependencies: definition.dependencies ?? [],
    operations: definition.operations,
  };
}

/** True for values made by {@link defineMigration}. */
export function isMigration(value: unknown): value is Migration {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'migration';
}

/** A schema editor for a dialect. */
export function createSchemaEditor(dialect: 'sqlite' | 'postgres'): SchemaEditor {
  return dialect === 'sqlite' ? new SqliteSchemaEditor() : new PostgresSchemaEditor();
}

/** Applies a migration's operations to a copy of `state` and returns the new state. */
export function applyMigrationState(migration: NamedMigration, state: ProjectState): ProjectState {
  const next = cloneState(state);
  for (const op of migration.operations) {
    try {
      op.applyState(next);
    } catch (cause) {
      throw new MigrationError(
        'BASALT_MIGRATION_INVALID',
        `Migration ${migration.name}: "${op.describe()}" does not fit the history: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  return next;
}

/** Runs `fn`, turning a plain error into a {@link MigrationError} naming the migration and operation. */
function explained(migration: NamedMigration, op: Operation, fn: () => void): void {
  try {
    fn();
  } catch (cause) {
    if (cause instanceof MigrationError) throw cause;
    throw new MigrationError(
      'BASALT_MIGRATION_INVALID',
      `Migration ${migration.name}: "${op.describe()}" does not fit the history: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** The steps (SQL and data-migration functions) that apply `migration` to a database at `state`. */
export function forwardSteps(
  migration: NamedMigration,
  state: ProjectState,
  dialect: 'sqlite' | 'postgres',
): MigrationStep[] {
  const editor = createSchemaEditor(dialect);
  let current = cloneState(state);
  for (const op of migration.operations) {
    const next = cloneState(current);
    explained(migration, op, () => {
      op.applyState(next);
      op.forwards(editor, current, next);
    });
    current = next;
  }
  return editor.steps;
}

/** The steps that unapply `migration`; `state` is the state before the migration. */
export function backwardSteps(
  migration: NamedMigration,
  state: ProjectState,
  dialect: 'sqlite' | 'postgres',
): MigrationStep[] {
  const editor = createSchemaEditor(dialect);
  const states = [cloneState(state)];
  for (const op of migration.operations) {
    const next = cloneState(states[states.length - 1]!);
    explained(migration, op, () => op.applyState(next));
    states.push(next);
  }
  for (let i = migration.operations.length - 1; i >= 0; i--) {
    const op = migration.operations[i]!;
    if (!op.reversible) {
      throw new MigrationError(
        'BASALT_MIGRATION_IRREVERSIBLE',
        `Migration ${migration.name} cannot be unapplied: its operation "${op.describe()}" (${op.type}) has no reverse`,
      );
    }
    explained(migration, op, () => op.backwards(editor, states[i + 1]!, states[i]!));
  }
  return editor.steps;
}
