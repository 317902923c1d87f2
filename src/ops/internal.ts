// Names Basalt's own capabilities (REST, next the admin and GraphQL) need from the operation
// layer. Not a package subpath: apps never import them.
export {
  accessOf,
  MODEL_VERBS,
  modelPermission,
  type ResolvedAccess,
  resolveAccess,
  staffRule,
} from './access.js';
export { bareCodename, isActiveSuperuser } from './actor.js';
export { indexFindings, listIndexFindings, registerListing } from './checks.js';
export { type CollectionRuntime, resolveCollection, runtimeOf } from './collection.js';
export {
  checkWritable,
  createObject,
  deleteObject,
  enforce,
  type ListResult,
  listObjects,
  loadObject,
  lockForWrite,
  type Precondition,
  scoped,
  updateObject,
  viewOf,
  writtenView,
} from './engine.js';
export {
  type ModelChange,
  type ModelEvent,
  ModelEvents,
  type ModelEventTransport,
  modelEvents,
} from './events.js';
export { type ListParams, listOrder, requestedIncludes } from './list.js';
export { attributeOf, type FieldPlan, type IncludePlan, type NestedPlan } from './plan.js';
export {
  type FilterParam,
  fieldMeta,
  MAX_IN_VALUES,
  MAX_SEARCH_TERMS,
  type QueryPlan,
  TEXT_KINDS,
  TEXT_LOOKUPS,
} from './query-plan.js';
export { hiddenFields, INCLUDE_MAX_ITEMS, serialize, type View } from './serialize.js';
