// The public API of basalt/ops: explicit named exports only.
export {
  type Access,
  type AccessRule,
  COLLECTION_ACTIONS,
  type CollectionAction,
} from './access.js';
export {
  type Actor,
  type ActorKind,
  type ActorUser,
  anonymous,
  isActiveStaff,
  type PermissionSource,
  system,
  userActor,
} from './actor.js';
export type { AuditChanges, AuditOperation } from './audit.js';
export { AuditEntry } from './audit-entry.js';
export {
  type AuditLog,
  type AuditPage,
  type AuditPageOptions,
  type AuditRecord,
  auditLog,
} from './audit-log.js';
export { type AuditModule, type AuditModuleOptions, audit } from './audit-module.js';
export { type Collection, defineCollection } from './collection.js';
export type { ListResult } from './engine.js';
export type { ListParams } from './list.js';
export {
  type Listed,
  type Operations,
  type OperationsOptions,
  operations,
  type Shown,
  type Target,
} from './operations.js';
export type {
  CollectionOptions,
  ComputedField,
  CountMode,
  FieldName,
  FieldRule,
  HookArgs,
  IncludeOptions,
  Lookup,
  ObjectCheckArgs,
  OperationContext,
  OperationHooks,
  PaginationOptions,
  Row,
  SearchOptions,
  WriteData,
} from './options.js';
