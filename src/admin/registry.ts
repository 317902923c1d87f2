import type { BasaltApp } from '../app/index.js';
import { BasaltError } from '../core/index.js';
import type { AnyModel, FieldMeta } from '../db/index.js';
import type { CollectionOptions } from '../ops/index.js';
import { type CollectionRuntime, fieldMeta, resolveCollection, runtimeOf } from '../ops/internal.js';
import type { AdminInline } from './inlines.js';
import type { AdminAction, AdminOptions, AdminWidget, ModelAdminOptions } from './options.js';

/** Kinds the query layer can order by (as the operation layer's ordering check). */
const ORDERED = new Set([
  'integer',
  'bigInteger',
  'float',
  'decimal',
  'date',
  'datetime',
  'time',
  'string',
  'email',
  'url',
  'slug',
]);
const SEARCHED = new Set(['string', 'email', 'slug']);
const FILTERED = new Set(['enum', 'boolean', 'belongsTo', 'date', 'datetime']);
/** Kinds filtered by a range (`publishedOn[gte]`, `publishedOn[lte]`). */
export const RANGED = new Set(['date', 'datetime']);
const ACTION_NAME = /^[A-Za-z0-9_-]{1,60}$/;
const DEFAULT_PER_PAGE = 50;
const MAX_PER_PAGE = 500;
/** Rows a relation picker offers at once (the autocomplete's answer, a many-to-many picker's list). */
export const PICK_SIZE = 20;

/** One model in the admin: its collection for the admin's operations, and how its pages look. */
export interface AdminModel {
  readonly model: AnyModel;
  /** URL segment: the model's name. */
  readonly key: string;
  /** The module (Django app) it is grouped under. */
  readonly group: string;
  readonly runtime: CollectionRuntime;
  /** The same collection with pages of 500 rows, for CSV exports. */
  readonly exportRuntime: CollectionRuntime;
  /** The same collection with keyset pages of 20 rows and no count, for relation pickers. */
  readonly pickRuntime: CollectionRuntime;
  readonly columns: readonly string[];
  readonly sortable: ReadonlySet<string>;
  readonly filters: readonly string[];
  readonly searchable: boolean;
  /** Attributes the forms edit (writable by the collection, not read-only here, never write-only secrets). */
  readonly editable: readonly string[];
  /** Attributes shown read-only in the change form. */
  readonly shownOnly: readonly string[];
  readonly perPage: number;
  /** Relation columns (`author`): the belongsTo attribute they read and the related model's name. */
  readonly relationColumns: ReadonlyMap<string, { attribute: string; target: string }>;
  /** The forms' groups of fields (attributes); null when the options give none (one group of every field). */
  readonly fieldsets: readonly { title?: string; description?: string; fields: readonly string[] }[] | null;
  readonly actions: readonly AdminAction[];
  readonly widgets: ReadonlyMap<string, AdminWidget>;
  readonly pages: ModelAdminOptions['pages'];
  readonly inlines: readonly AdminInline[];
}

/** The admin's models, grouped by module in the order the app lists them. */
export interface AdminRegistry {
  readonly groups: readonly { name: string; models: readonly AdminModel[] }[];
  readonly byKey: ReadonlyMap<string, AdminModel>;
  /** Every model of the app by name (relations name their target). */
  readonly models: ReadonlyMap<string, AnyModel>;
}

function configError(message: string): BasaltError {
  return new BasaltError('BASALT_CONFIG_INVALID', `admin(): ${message}`);
}

/** The meta of an attribute (`authorId` → the `author` belongsTo). */
export function metaOf(model: AnyModel, attribute: string): FieldMeta | undefined {
  const meta = fieldMeta(model, attribute);
  if (meta !== undefined) return meta;
  // A many-to-many relation has no column: it goes by its name.
  const relation = model.meta.fields[attribute];
  return relation?.kind === 'manyToMany' ? relation : undefined;
}

function resolveModel(
  model: AnyModel,
  group: string,
  options: ModelAdminOptions,
  audited: boolean,
  all: ReadonlyMap<string, AnyModel>,
): AdminModel {
  const base: CollectionOptions<AnyModel> = options.collection
    ? runtimeOf(options.collection).options
    : ({} as CollectionOptions<AnyModel>);
  const basePlan = options.collection
    ? runtimeOf(options.collection).plan
    : resolveCollection(model, base).plan;
  const readable = basePlan.readable;
  const attrs = (names: readonly string[] | undefined, what: string) =>
    names?.map((name) => {
      const meta = metaOf(model, name) ?? model.meta.fields[name];
      const attribute = meta?.attribute ?? (name in basePlan.computed ? name : undefined);
      if (attribute === undefined) throw configError(`${what} of '${model.name}': '${name}' is not a field`);
      return attribute;
    });
  const scalar = (a: string) => {
    const meta = metaOf(model, a);
    return meta !== undefined && meta.kind !== 'json' && meta.kind !== 'text' && meta.kind !== 'file';
  };
  const relationColumns = new Map<string, { attribute: string; target: string }>();
  for (const name of options.list ?? []) {
    const meta = model.meta.fields[name];
    if (meta?.kind === 'belongsTo' && meta.attribute && meta.attribute !== name && meta.relation)
      relationColumns.set(name, { attribute: meta.attribute, target: meta.relation.target });
  }
  const columns = options.list?.map((name) =>
    relationColumns.has(name) ? name : attrs([name], 'list')![0]!,
  ) ?? ['id', ...readable.filter((a) => a !== 'id' && scalar(a)).slice(0, 4)];
  const orderable = (a: string) => {
    const meta = metaOf(model, a);
    return meta !== undefined && ORDERED.has(meta.kind);
  };
  // A field some actors may not read is never sortable: the order would tell its values.
  const sortable = (attrs(options.sortable, 'sortable') ?? columns.filter(orderable)).filter(
    (a) => !basePlan.readRules.has(a),
  );
  const filters =
    attrs(options.filters, 'filters') ??
    readable.filter((a) => {
      const kind = metaOf(model, a)?.kind;
      return kind === 'enum' || kind === 'boolean';
    });
  for (const f of filters)
    if (!FILTERED.has(metaOf(model, f)?.kind ?? ''))
      throw configError(`filters of '${model.name}': '${f}' is not a choice, boolean or relation field`);
  const search =
    attrs(options.search, 'search') ??
    readable.filter((a) => SEARCHED.has(metaOf(model, a)?.kind ?? '')).slice(0, 3);
  const perPage = Math.min(Math.max(Math.trunc(options.perPage ?? DEFAULT_PER_PAGE), 1), MAX_PER_PAGE);
  const adminOptions = {
    ...base,
    search,
    filters: Object.fromEntries(
      filters.map((f) => [f, RANGED.has(metaOf(model, f)?.kind ?? '') ? ['gte', 'lte'] : ['eq']]),
    ),
    ordering: sortable,
    ...(options.ordering ? { defaultOrdering: options.ordering } : {}),
    // Page numbers with a count (estimated on big tables: see `count`); past the first pages
    // of a big list, or `maxOffset` rows, the next links carry a keyset cursor.
    pagination: { style: 'page', pageSize: perPage, maxPageSize: perPage },
    count: options.count ?? base.count ?? 'estimate',
    ...(options.exactCountLimit !== undefined ? { exactCountLimit: options.exactCountLimit } : {}),
    include:
      relationColumns.size > 0
        ? Object.fromEntries(
            [...relationColumns].map(([name, { target }]) => [name, { model: all.get(target) }]),
          )
        : undefined,
    ...(base.audit === undefined && audited ? { audit: true } : {}),
  } as CollectionOptions<AnyModel>;
  const runtime = resolveCollection(model, adminOptions);
  const readOnly = new Set(attrs(options.readOnly, 'readOnly') ?? []);
  const nested = new Set(runtime.plan.nested.map((n) => n.name));
  const editable = runtime.plan.writable.filter((a) => {
    const meta = metaOf(model, a);
    return (
      meta !== undefined && !readOnly.has(a) && !nested.has(a) && !meta.writeOnly && meta.kind !== 'hasMany'
    );
  });
  const grouped = options.fieldsets?.map((set) => ({
    ...(set.title !== undefined ? { title: set.title } : {}),
    ...(set.description !== undefined ? { description: set.description } : {}),
    fields: attrs(set.fields, 'fieldsets')!,
  }));
  const inForms = grouped ? new Set(grouped.flatMap((g) => g.fields)) : undefined;
  const formEditable = inForms ? editable.filter((a) => inForms.has(a)) : editable;
  const shownOnly = runtime.plan.readable.filter(
    (a) => a !== 'id' && !editable.includes(a) && (!inForms || inForms.has(a)),
  );
  const actions = options.actions ?? [];
  const names = new Set<string>(['delete_selected']);
  for (const action of actions) {
    if (!ACTION_NAME.test(action.name) || names.has(action.name))
      throw configError(
        `actions of '${model.name}': '${action.name}' is not a free name of letters, digits, _ and -`,
      );
    names.add(action.name);
  }
  const inlines = (options.inlines ?? []).map((given): AdminInline => {
    const o = typeof given === 'string' ? { relation: given } : given;
    const meta = model.meta.fields[o.relation];
    const target = meta?.kind === 'hasMany' ? all.get(meta.relation?.target ?? '') : undefined;
    const back = target?.meta.fields[meta?.relation?.foreignKey ?? '']?.attribute;
    if (!meta || !target || !back)
      throw configError(
        `inlines of '${model.name}': '${o.relation}' is not a has-many relation to a model of this app`,
      );
    const attributeIn = (f: string) => (metaOf(target, f) ?? target.meta.fields[f])?.attribute ?? undefined;
    for (const f of o.fields ?? [])
      if (!attributeIn(f))
        throw configError(`inlines of '${model.name}': '${f}' is not a field of '${target.name}'`);
    const perPage = Math.min(Math.max(Math.trunc(o.perPage ?? 10), 1), 100);
    return {
      relation: o.relation,
      target: target.name,
      parentKey: back,
      fields: o.fields?.map((f) => attributeIn(f)!),
      perPage,
      extra: Math.min(Math.max(Math.trunc(o.extra ?? 1), 0), 20),
    };
  });
  const widgets = new Map<string, AdminWidget>();
  for (const [name, widget] of Object.entries(options.widgets ?? {}))
    widgets.set(attrs([name], 'widgets')![0]!, widget);
  return {
    model,
    key: model.name,
    group,
    runtime,
    exportRuntime: resolveCollection(model, {
      ...adminOptions,
      pagination: { style: 'cursor', pageSize: MAX_PER_PAGE, maxPageSize: MAX_PER_PAGE },
    } as CollectionOptions<AnyModel>),
    pickRuntime: resolveCollection(model, {
      ...adminOptions,
      include: undefined,
      pagination: { style: 'cursor', pageSize: PICK_SIZE, maxPageSize: PICK_SIZE },
    } as CollectionOptions<AnyModel>),
    columns,
    sortable: new Set(sortable),
    filters,
    searchable: search.length > 0,
    editable: formEditable,
    shownOnly,
    perPage,
    relationColumns,
    fieldsets: grouped ?? null,
    actions,
    widgets,
    pages: options.pages,
    inlines,
  };
}

/** Builds the registry from the created app's modules (each model under the first module listing it). */
export function buildRegistry(app: BasaltApp, options: AdminOptions): AdminRegistry {
  const audited = app.modules.some((m) => m.name === 'audit');
  const seen = new Set<AnyModel>();
  const groups: { name: string; models: AdminModel[] }[] = [];
  const byKey = new Map<string, AdminModel>();
  const known = new Set<string>();
  const all = new Map<string, AnyModel>();
  for (const module of app.modules)
    for (const model of (module.models ?? []) as AnyModel[])
      if (!all.has(model.name)) all.set(model.name, model);
  for (const module of app.modules) {
    const models: AdminModel[] = [];
    for (const model of (module.models ?? []) as AnyModel[]) {
      if (seen.has(model)) continue;
      seen.add(model);
      known.add(model.name);
      const own = options.models?.[model.name];
      if (own === false) continue;
      const entry = resolveModel(model, module.name, own ?? {}, audited, all);
      models.push(entry);
      byKey.set(entry.key, entry);
    }
    if (models.length > 0) groups.push({ name: module.name, models });
  }
  for (const name of Object.keys(options.models ?? {}))
    if (!known.has(name)) throw configError(`models: '${name}' is not a model of this app`);
  return { groups, byKey, models: all };
}
