// The public API of basalt/rest: explicit named exports only.
export { requestActor, staffOnly } from './access.js';
export {
  type Access,
  type ComputedField,
  type FieldName,
  type FieldRule,
  type HookArgs,
  type IncludeOptions,
  type Lookup,
  type ObjectCheckArgs,
  type PaginationOptions,
  RESOURCE_ACTIONS,
  type ResourceAction,
  type ResourceHooks,
  type ResourceOptions,
  type Row,
  type WriteData,
} from './options.js';
export {
  type ActionContext,
  type ActionHandler,
  type ActionSpec,
  type Resource,
  resource,
} from './resource.js';
export type { ResourceSchemas } from './schemas.js';
export type {
  ActionEndpoint,
  BasePath,
  Jsonified,
  ResourceCreate,
  ResourceEndpoints,
  ResourceListQuery,
  ResourcePage,
  ResourcePatch,
  ResourceRead,
} from './types.js';
