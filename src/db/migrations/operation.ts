import type { Kysely } from 'kysely';
import type { SchemaEditor } from './editors/schema-editor.js';
import type { ProjectState } from './state.js';

/** Tables seen by a data migration: untyped rows, because models change after the migration is written. */
export type MigrationDatabase = Record<string, Record<string, unknown>>;

/** What a {@link runCode} function receives: the migration's transaction. */
export interface RunCodeContext {
  /** Kysely bound to the migration's transaction. */
  db: Kysely<MigrationDatabase>;
  dialect: 'sqlite' | 'postgres';
}

/** One thing a migration does to a database: a SQL statement or a data-migration function. */
export type MigrationStep =
  | { kind: 'sql'; sql: string }
  | { kind: 'code'; description: string; run: (context: RunCodeContext) => Promise<void> | void };

/**
 * A migration operation: changes the project state and emits the matching schema changes
 * through a dialect's schema editor, in either direction.
 */
export interface Operation {
  /** `createModel`, `addField`, ... (the factory's name). */
  readonly type: string;
  /** Whether {@link Operation.backwards} can undo it. */
  readonly reversible: boolean;
  /** One line for humans, e.g. `Add field isbn to book`. */
  describe(): string;
  /** Applies the change to an in-memory state. */
  applyState(state: ProjectState): void;
  /** Emits the schema change; `from` is the state before, `to` the state after. */
  forwards(editor: SchemaEditor, from: ProjectState, to: ProjectState): void;
  /** Emits the reverse change; `from` is the state after the operation, `to` the state before. */
  backwards(editor: SchemaEditor, from: ProjectState, to: ProjectState): void;
  /** TypeScript source that recreates the operation in a migration file. */
  toCode(): string;
}
