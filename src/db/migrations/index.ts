export { PostgresSchemaEditor } from './editors/postgres.js';
export { SchemaEditor } from './editors/schema-editor.js';
export { SqliteSchemaEditor } from './editors/sqlite.js';
export type { MigrationErrorCode } from './errors.js';
export { MIGRATION_ERROR_CODES, MigrationError } from './errors.js';
export { loadMigrations, migrationsPath } from './loader.js';
export type { Migration, MigrationDefinition, NamedMigration } from './migration.js';
export {
  backwardSteps,
  createSchemaEditor,
  defineMigration,
  forwardSteps,
  isMigration,
} from './migration.js';
export type { MigrationDatabase, MigrationStep, Operation, RunCodeContext } from './operation.js';
export type { ConstraintSpec } from './operations/constraints.js';
export { addConstraint, removeConstraint } from './operations/constraints.js';
export type { AddFieldOptions } from './operations/fields.js';
export { addField, alterField, removeField, renameField } from './operations/fields.js';
export { addIndex, removeIndex } from './operations/indexes.js';
export type { CreateModelSpec } from './operations/models.js';
export { createModel, deleteModel, renameModel } from './operations/models.js';
export type { SearchIndexOptions } from './operations/search.js';
export { removeSearchIndex, searchIndex } from './operations/search.js';
export type { DialectSql, RunCodeFunction } from './operations/special.js';
export { runCode, runSQL } from './operations/special.js';
export type { MigrateResult, MigrationRunner, MigrationRunnerOptions, MigrationStatus } from './runner.js';
export { ADVISORY_LOCK_KEY, createMigrationRunner, MIGRATIONS_TABLE } from './runner.js';
export type {
  FieldSpec,
  FieldState,
  IndexState,
  ModelState,
  ProjectState,
  SearchIndexState,
  UniqueState,
} from './state.js';
