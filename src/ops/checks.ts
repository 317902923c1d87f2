import type { CheckMessage } from '../core/index.js';
import type { AnyModel, FieldMeta } from '../db/index.js';
import type { CollectionRuntime } from './collection.js';
import { fieldMeta } from './query-plan.js';

/** Collections served by a transport's list (REST's list endpoints), for the index check. */
const listed = new WeakMap<object, CollectionRuntime>();

/** Records that `key` (a list endpoint) lists `collection`. */
export function registerListing(key: object, collection: CollectionRuntime): void {
  listed.set(key, collection);
}

/** The collection a list endpoint lists, if any. */
export function listedCollection(key: object): CollectionRuntime | undefined {
  return listed.get(key);
}

/** Field names of the model's indexes, unique constraints and indexed fields, by index. */
function indexLeads(model: AnyModel): string[][] {
  const meta = model.meta;
  const out: string[][] = [['id']];
  for (const field of Object.values(meta.fields))
    if (field.column !== null && (field.unique || field.index)) out.push([field.name]);
  for (const ix of meta.indexes) if (ix.where === undefined) out.push(ix.fields);
  for (const u of meta.unique) out.push(u.fields);
  return out;
}

function fieldOf(model: AnyModel, attribute: string): FieldMeta | undefined {
  return fieldMeta(model, attribute);
}

/** Whether an index starts with `names` (one field: a lookup or an ordering; several: an ordering). */
function backed(leads: readonly string[][], names: readonly string[]): boolean {
  return leads.some((fields) => names.every((name, i) => fields[i] === name));
}

/**
 * What a collection's lists would scan the whole table for: an allowed or default ordering,
 * a filter or a search without an index to serve it (ops.W001–W004). Warnings: a small table
 * needs none, a big one is sorted and scanned on every request.
 */
export function listIndexFindings(rt: CollectionRuntime, where: string): CheckMessage[] {
  const model = rt.model;
  const leads = indexLeads(model);
  const out: CheckMessage[] = [];
  const table = model.meta.table;
  const orderings = new Map<string, string[]>();
  const defaults = rt.query.defaultOrdering.map((key) => key.replace(/^-/, ''));
  orderings.set(defaults.join(','), defaults);
  for (const attribute of rt.query.ordering.values()) orderings.set(attribute, [attribute]);
  for (const attributes of orderings.values()) {
    const names = attributes.map((a) => fieldOf(model, a)?.name ?? a);
    if (names[0] === 'id' || backed(leads, names)) continue;
    out.push({
      id: 'ops.W001',
      level: 'warning',
      message: `${where} orders '${model.name}' by ${names.join(', ')}, which no index serves: every list of a large table sorts it whole.`,
      hint: `Declare the index on the model (indexes: [[${[...names, 'id'].map((n) => `'${n}'`).join(', ')}]]) and run makemigrations.`,
    });
  }
  const filtered = new Set(rt.query.filters.map((f) => f.attribute));
  for (const attribute of filtered) {
    const field = fieldOf(model, attribute);
    if (!field || backed(leads, [field.name])) continue;
    out.push({
      id: 'ops.W002',
      level: 'warning',
      message: `${where} filters '${model.name}' by ${field.name}, which no index serves: a filtered list of a large table scans it.`,
      hint: `Declare an index starting with it (indexes: [['${field.name}', 'id']] on ${table}'s model) and run makemigrations, or drop the filter.`,
    });
  }
  if (rt.query.search.length > 0 && rt.query.searchMode === 'words')
    out.push({
      id: 'ops.W003',
      level: 'warning',
      message: `${where} searches '${model.name}' (${rt.query.search.join(', ')}) with unindexed LIKE scans.`,
      hint: `Use search: { fields: [...], mode: 'contains' } (trigram index) or mode: 'fulltext', with the same search declared on the model (docs/resources.md).`,
    });
  const target = rt.query.searchTarget;
  const declared = model.meta.search;
  if (
    target !== null &&
    (declared === null ||
      declared.mode !== target.mode ||
      declared.language !== target.language ||
      declared.columns.join() !== target.columns.join())
  )
    out.push({
      id: 'ops.W004',
      level: 'warning',
      message: `${where} searches '${model.name}' (${rt.query.search.join(', ')}, ${target.mode}) but the model declares no such search index.`,
      hint: `Declare search: { fields: [${rt.query.search.map((a) => `'${fieldOf(model, a)?.name ?? a}'`).join(', ')}], mode: '${target.mode}' } on the model and run makemigrations (or create it with searchIndex() in a migration).`,
    });
  return out;
}

/** The index findings of every listed collection among `routes` (each collection once). */
export function indexFindings(routes: readonly { method?: string; path?: string }[]): CheckMessage[] {
  const seen = new Set<CollectionRuntime>();
  const out: CheckMessage[] = [];
  for (const route of routes) {
    const rt = listedCollection(route);
    if (!rt || seen.has(rt)) continue;
    seen.add(rt);
    out.push(...listIndexFindings(rt, `GET ${route.path ?? rt.model.name}`));
  }
  return out;
}
