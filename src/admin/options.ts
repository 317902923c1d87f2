import type { AnyModel } from '../db/index.js';
import type { Collection } from '../ops/index.js';

/** How one model shows in the admin (Django's `ModelAdmin`); every option is optional. */
export interface ModelAdminOptions {
  /**
   * The collection whose policy (scope, object checks, field rules), hooks and audit setting
   * the admin's reads and writes go through; default the model's defaults (as `operations(db)`
   * with the plain model).
   */
  collection?: Collection<AnyModel, unknown>;
  /** Columns of the list page, by attribute (`authorId`) or computed field; default `id` and the first few fields. */
  list?: readonly string[];
  /** Text fields the list's search box matches (every word in one of them); default the short text fields. */
  search?: readonly string[];
  /** Fields the list can be filtered by (choices, booleans, relations by id); default the choices and booleans. */
  filters?: readonly string[];
  /** The list's order, as ordering keys (`['-createdAt']`); default the collection's, else the model's. */
  ordering?: readonly string[];
  /** Columns the list can be sorted by; default the list's columns that can be ordered. */
  sortable?: readonly string[];
  /** Fields shown but not editable in the forms (added to the collection's read-only fields). */
  readOnly?: readonly string[];
  /** Rows per list page (default 50, at most 500). */
  perPage?: number;
}

/** Options of {@link admin}. */
export interface AdminOptions {
  /** The title in the header of every page (default `Administration`). */
  title?: string;
  /**
   * Per model (by model name, `book`, `user`): its options, or `false` to leave it out of the
   * admin. Models not named get the defaults.
   */
  models?: Readonly<Record<string, ModelAdminOptions | false>>;
}
