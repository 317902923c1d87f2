import type { Actor } from './actor.js';
import type { FieldPlan, IncludePlan } from './plan.js';

type Row = Record<string, unknown>;

/** What one call shows: the fields asked for (null: all) and the rules of this actor. */
export interface View {
  fields: ReadonlySet<string> | null;
  includes: readonly IncludePlan[];
  hidden: ReadonlySet<string>;
  actor: Actor;
}

const NOTHING_HIDDEN: ReadonlySet<string> = new Set();

/**
 * The most related objects one included to-many relation shows (`include=books`), declared as
 * its `maxItems`: past it the first ones (in the relation's order) are shown, and the related
 * collection's own list, filtered by the parent, pages through the rest.
 */
export const INCLUDE_MAX_ITEMS = 1000;

/** Fields this actor may not see (field-level read rules; the system actor sees all). */
export function hiddenFields(plan: FieldPlan, actor: Actor): ReadonlySet<string> {
  if (plan.readRules.size === 0 || actor.kind === 'system') return NOTHING_HIDDEN;
  const hidden = new Set<string>();
  for (const [name, rule] of plan.readRules) if (!rule(actor)) hidden.add(name);
  return hidden;
}

function related(plan: IncludePlan, value: unknown): unknown {
  if (value === null || value === undefined) return plan.many ? [] : null;
  if (Array.isArray(value)) {
    const rows = value.length > INCLUDE_MAX_ITEMS ? value.slice(0, INCLUDE_MAX_ITEMS) : value;
    return rows.map((row) => relatedRow(plan, row as Row));
  }
  return relatedRow(plan, value as Row);
}

function relatedRow(plan: IncludePlan, row: Row): Row {
  const out: Row = {};
  for (const field of plan.fields) out[field] = row[field];
  for (const child of plan.children) if (child.name in row) out[child.name] = related(child, row[child.name]);
  return out;
}

/** A row as the collection shows it: readable fields, computed ones, requested relations. */
export function serialize(plan: FieldPlan, view: View, row: Row): Row {
  const out: Row = {};
  const { fields, hidden } = view;
  for (const attribute of plan.readable) {
    if (hidden.has(attribute) || (fields && attribute !== 'id' && !fields.has(attribute))) continue;
    out[attribute] = row[attribute];
  }
  for (const key in plan.computed) {
    if (hidden.has(key) || (fields && !fields.has(key))) continue;
    out[key] = plan.computed[key]!.get(row as never, view.actor);
  }
  for (const include of view.includes) out[include.name] = related(include, row[include.name]);
  return out;
}
