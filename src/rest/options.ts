import type { AnyModel } from '../db/index.js';
import type { PermissionRequirement, RequestContext } from '../http/index.js';
import {
  COLLECTION_ACTIONS,
  type CollectionAction,
  type CollectionOptions,
  type Access as OperationAccess,
  type OperationHooks,
} from '../ops/index.js';

export type {
  ComputedField,
  FieldName,
  FieldRule,
  HookArgs,
  IncludeOptions,
  Lookup,
  ObjectCheckArgs,
  PaginationOptions,
  Row,
  WriteData,
} from '../ops/index.js';

/** The standard actions of a resource (the collection's actions of `basalt/ops`). */
export type ResourceAction = CollectionAction;

/** Every standard action, in the order routes are declared. */
export const RESOURCE_ACTIONS: readonly ResourceAction[] = COLLECTION_ACTIONS;

/**
 * Who may perform an action: the access of `basalt/ops` (`'anyone'`, `'authenticated'`,
 * `'staff'`, `'superuser'`, `'model'`, codenames, checks over the actor), or permission
 * requirements of `basalt/http` (`permission('shop.change_book')`, `isStaff`), which then
 * receive the actor (its `user` is the request's).
 */
export type Access = OperationAccess | PermissionRequirement | readonly PermissionRequirement[];

/** Application logic around writes (the operation hooks of `basalt/ops`); each runs inside the write's transaction. */
export type ResourceHooks<M extends AnyModel> = OperationHooks<M>;

/**
 * Options of {@link resource}: the collection (fields, lists, policy, hooks — see
 * `defineCollection` of `basalt/ops`) plus what only HTTP has: path, actions, ETags, tags.
 */
export interface ResourceOptions<M extends AnyModel> extends Omit<CollectionOptions<M>, 'permissions'> {
  /** Path of the collection, e.g. `/api/books`; objects are at `/api/books/:id`. */
  path: string;
  /** Standard actions to declare (default: all six). */
  actions?: readonly ResourceAction[];
  /**
   * Who may perform each action. `read` sets list and retrieve, `write` the others; the
   * default is `{ read: 'anyone', write: 'staff' }`.
   */
  permissions?: Partial<Record<ResourceAction | 'read' | 'write', Access>>;
  /** `ETag` on retrieve and writes, `If-None-Match` → 304, `If-Match` → 412 (default true). */
  etag?: boolean;
  /**
   * Refuse PUT, PATCH and DELETE without `If-Match` with a 428, so that no client overwrites
   * a change it has not seen (RFC 6585); default false. Needs `etag`.
   */
  requireIfMatch?: boolean;
  /** OpenAPI tags (default: the model's plural label). */
  tags?: readonly string[];
  /** Base name of the OpenAPI schemas (default: the model name in PascalCase: `Book`, `BookCreate`, ...). */
  schemaName?: string;
}

declare module '../ops/options.js' {
  /** Through REST, an operation's hooks get the request context. */
  interface OperationContext extends RequestContext {}
}
