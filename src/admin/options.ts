import type { AnyModel, Executor, FieldMeta } from '../db/index.js';
import type { Actor, Collection, CountMode } from '../ops/index.js';
import type { Html, ViewContext } from '../views/index.js';

/** A group of fields of the add and change forms (Django's `fieldsets`). */
export interface AdminFieldset {
  /** The group's heading (none for an untitled first group). */
  title?: string;
  /** A sentence under the heading. */
  description?: string;
  /** The fields, in order, by attribute or relation name. */
  fields: readonly string[];
}

/** What a widget override receives: the field and what the form holds for it. */
export interface AdminWidgetProps {
  readonly meta: FieldMeta;
  /** The input's `name` (the attribute) and `id` (`id_<name>`, which the field's label points at). */
  readonly name: string;
  readonly id: string;
  /** The value as text: the stored value, or what the user typed. */
  readonly value: string;
  readonly required: boolean;
  readonly invalid: boolean;
}

/** A widget of the forms: a component rendering a form control for one field. */
export type AdminWidget = (props: AdminWidgetProps) => Html;

/** What a page override receives: the page's default body, to wrap, extend or replace. */
export interface AdminPageProps {
  readonly model: AnyModel;
  readonly actor: Actor;
  readonly view: ViewContext;
  /** The page's title (its `h1`, already rendered above the body). */
  readonly title: string;
  /** The object of a change, delete or history page; null on list and add pages. */
  readonly object: Readonly<Record<string, unknown>> | null;
  /** The body the admin renders by default. */
  readonly content: Html;
}

/** Replaces the body of one page of a model (inside the admin's frame: header, crumbs, messages). */
export type AdminPage = (props: AdminPageProps) => Html;

/** What a custom list action receives besides the selected ids. */
export interface AdminActionContext {
  readonly actor: Actor;
  /** The request's executor: write with it, or through `operations(db, { actor })` to keep the policy. */
  readonly db: Executor;
  readonly model: AnyModel;
}

/** A custom bulk action of the list page (Django's admin actions). */
export interface AdminAction {
  /** Its name in the form (letters, digits, `_`, `-`). */
  name: string;
  /** The label in the list's action menu. */
  label: string;
  /** The model permission it needs (`change` by default; `view`, `add`, `delete`). */
  permission?: 'view' | 'add' | 'change' | 'delete';
  /**
   * Runs on the selected ids (which the actor may see: ids outside the collection's scope are
   * dropped before). A string answered is the message shown on the list; a thrown 4xx
   * `BasaltError` is shown as an error. May be async.
   */
  run(ids: readonly (number | string)[], ctx: AdminActionContext): unknown;
}

/** Children of a has-many relation edited in the parent's change form (Django's inlines). */
export interface AdminInlineOptions {
  /** The has-many relation (`lines`). */
  relation: string;
  /** Child fields edited in each row; default the child's editable fields but the key to the parent. */
  fields?: readonly string[];
  /** Children per page of the inline (default 10, at most 100): a parent with 10,000 children shows a page. */
  perPage?: number;
  /** Blank rows for adding children (default 1). */
  extra?: number;
}

/** How one model shows in the admin (Django's `ModelAdmin`); every option is optional. */
export interface ModelAdminOptions {
  /**
   * The collection whose policy (scope, object checks, field rules), hooks and audit setting
   * the admin's reads and writes go through; default the model's defaults (as `operations(db)`
   * with the plain model).
   */
  collection?: Collection<AnyModel, unknown>;
  /**
   * Columns of the list page: attributes (`authorId`: the id), relation names (`author`: the
   * related object's label, linked, read in one batched query per page) or computed fields of
   * the collection; default `id` and the first few fields.
   */
  list?: readonly string[];
  /** Text fields the list's search box matches (every word in one of them); default the short text fields. */
  search?: readonly string[];
  /**
   * Fields the list can be filtered by: choices, booleans, relations (by id, with a search of
   * the related objects), dates and times (a from–to range); default the choices and booleans.
   */
  filters?: readonly string[];
  /** The list's order, as ordering keys (`['-createdAt']`); default the collection's, else the model's. */
  ordering?: readonly string[];
  /** Columns the list can be sorted by; default the list's columns that can be ordered. */
  sortable?: readonly string[];
  /** Fields shown but not editable in the forms (added to the collection's read-only fields). */
  readOnly?: readonly string[];
  /** Groups of fields of the forms; a field in none of them is not on the forms. Default one group of every field. */
  fieldsets?: readonly AdminFieldset[];
  /** Has-many relations whose children are edited in the change form, paginated (a relation name or its options). */
  inlines?: readonly (string | AdminInlineOptions)[];
  /** Rows per list page (default 50, at most 500). */
  perPage?: number;
  /**
   * How the list counts its rows (default the collection's, else `'estimate'`): `estimate`
   * counts exactly up to `exactCountLimit` rows and shows "about N" above (the database's
   * estimate: no `COUNT(*)` over a big table, and the pages past the first go by keyset);
   * `exact` always counts; `none` shows no count.
   */
  count?: CountMode;
  /** Below this many matching rows an estimated count is exact (default the collection's, else 10,000). */
  exactCountLimit?: number;
  /** Custom bulk actions of the list page, after the built-in "Delete selected". */
  actions?: readonly AdminAction[];
  /** Form controls by field (attribute or relation name), replacing the admin's widget for its kind. */
  widgets?: Readonly<Record<string, AdminWidget>>;
  /** Page bodies by page, replacing or wrapping the admin's. */
  pages?: Readonly<Partial<Record<'list' | 'form' | 'delete' | 'history', AdminPage>>>;
}

/** Options of {@link admin}. */
export interface AdminOptions {
  /** The title in the header of every page (default `Administration`). */
  title?: string;
  /**
   * Seconds a signed-in user may leave the admin unused before the session is signed out
   * (default 7200, two hours; `false`: only the session's own lifetime, `SESSION_COOKIE_AGE`).
   */
  sessionTimeout?: number | false;
  /**
   * Per model (by model name, `book`, `user`): its options, or `false` to leave it out of the
   * admin. Models not named get the defaults.
   */
  models?: Readonly<Record<string, ModelAdminOptions | false>>;
}
