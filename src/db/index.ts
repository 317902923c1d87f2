export { sql } from 'kysely';
export {
  type DumpOptions,
  dumpData,
  FIXTURE_ERROR_CODES,
  type Fixture,
  FixtureError,
  type FixtureErrorCode,
  type FixtureErrorLocation,
  type FixtureValue,
  type LoadResult,
  loadData,
} from './data/index.js';
export type { DatabaseOptions } from './database.js';
export { createDatabase, type Database } from './database.js';
export { defineModel } from './define-model.js';
export {
  ConstraintViolationError,
  DB_ERROR_CODES,
  DbError,
  type DbErrorCode,
  DeleteProtectedError,
  ForeignKeyViolationError,
  InvalidQueryError,
  LockTimeoutError,
  RecordNotFoundError,
  UniqueViolationError,
} from './errors.js';
export type {
  BulkUpdateOptions,
  BulkUpdateRow,
  Executor,
  Transaction,
  TransactionOptions,
  UpsertOptions,
} from './executor.js';
export type {
  AnyField,
  BaseFieldOptions,
  BelongsToField,
  Choice,
  FieldKind,
  FieldsShape,
  FieldValidator,
  FileValue,
  HasManyField,
  ManyToManyField,
  OnDelete,
  RelationKind,
  ScalarField,
  ScalarKind,
} from './fields/field.js';
export { f } from './fields/index.js';
export type {
  CreateInput,
  FieldsOf,
  HookRecord,
  Infer,
  PrimaryKeyOf,
  Relations,
  UpdateInput,
} from './infer.js';
export type {
  CheckMeta,
  DefaultMeta,
  FieldMeta,
  IndexMeta,
  ModelMeta,
  RelationMeta,
  ThroughMeta,
  UniqueMeta,
} from './meta.js';
export {
  addConstraint,
  addField,
  addIndex,
  alterField,
  createMigrationRunner,
  createModel,
  defineMigration,
  deleteModel,
  loadMigrations,
  MIGRATION_ERROR_CODES,
  type Migration,
  type MigrationDefinition,
  MigrationError,
  type MigrationRunner,
  type MigrationStatus,
  removeConstraint,
  removeField,
  removeIndex,
  removeSearchIndex,
  renameField,
  renameModel,
  runCode,
  runSQL,
  type SearchIndexOptions,
  searchIndex,
} from './migrations/index.js';
export type {
  AnyModel,
  HookActor,
  HookContext,
  Model,
  ModelHook,
  ModelHooks,
  ModelOptions,
  ModelSchemas,
  PrimaryKeyType,
} from './model.js';
export { type AggregateRows, type LockOptions, Query } from './query/query.js';
export {
  type Aggregate,
  agg,
  type FieldFilter,
  type IncludePath,
  type Lookups,
  type OrderKey,
  type Page,
  type Where,
  type WithIncludes,
} from './query/types.js';
export { ModelRegistry, type ResolvedRelation } from './registry.js';
export { MANY_TO_MANY_MAX_ITEMS, TEXT_MAX_LENGTH } from './schemas.js';
