export { defineModel } from './define-model.js';
export type { Executor } from './executor.js';
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
export type { CreateInput, FieldsOf, Infer, PrimaryKeyOf, Relations, UpdateInput } from './infer.js';
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
export type {
  AnyModel,
  HookContext,
  Model,
  ModelHook,
  ModelHooks,
  ModelOptions,
  ModelSchemas,
  PrimaryKeyType,
} from './model.js';
