import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import { Kind } from 'graphql';
import type { FieldPlan, IncludePlan } from '../ops/internal.js';

type Fragments = Readonly<Record<string, FragmentDefinitionNode>>;

/** The fields of a selection set, through inline fragments and fragment spreads. */
export function fieldsOf(
  set: SelectionSetNode | undefined,
  fragments: Fragments,
  seen = new Set<string>(),
): FieldNode[] {
  const out: FieldNode[] = [];
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT)
      out.push(...fieldsOf(selection.selectionSet, fragments, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      out.push(...fieldsOf(fragments[selection.name.value]?.selectionSet, fragments, seen));
    }
  }
  return out;
}

/**
 * Where a root field's objects sit in its answer: `[]` for the field itself, `['items']` in a
 * page, `['nodes']` and `['edges', 'node']` in a connection, `['book']` in a payload.
 */
export type ObjectPaths = readonly (readonly string[])[];

/** The selection sets of the objects a root field returns, along each of `paths`. */
function objectSelections(info: GraphQLResolveInfo, paths: ObjectPaths): SelectionSetNode[] {
  const sets: SelectionSetNode[] = [];
  const follow = (set: SelectionSetNode, path: readonly string[]) => {
    if (path.length === 0) {
      sets.push(set);
      return;
    }
    for (const field of fieldsOf(set, info.fragments))
      if (field.name.value === path[0] && field.selectionSet) follow(field.selectionSet, path.slice(1));
  };
  for (const node of info.fieldNodes)
    if (node.selectionSet) for (const path of paths) follow(node.selectionSet, path);
  return sets;
}

/**
 * The relations a query selects, as the operation layer's `include` parameter
 * (`author,lines.book`): the layer loads each with one batched query, never one per row.
 */
export function selectedIncludes(
  info: GraphQLResolveInfo,
  includes: readonly IncludePlan[],
  paths: ObjectPaths,
): string | undefined {
  const found = new Set<string>();
  const walk = (set: SelectionSetNode, plans: readonly IncludePlan[]) => {
    if (plans.length === 0) return;
    for (const field of fieldsOf(set, info.fragments)) {
      const plan = plans.find((p) => p.name === field.name.value);
      if (!plan) continue;
      found.add(plan.path);
      if (field.selectionSet) walk(field.selectionSet, plan.children);
    }
  };
  for (const set of objectSelections(info, paths)) walk(set, includes);
  return found.size === 0 ? undefined : [...found].join(',');
}

/**
 * The fields and computed values a query selects, as the layer's sparse `fields` parameter
 * (`id,title,priceCents`): a computed value nobody asked for is not computed.
 */
export function selectedFields(
  info: GraphQLResolveInfo,
  plan: FieldPlan,
  paths: ObjectPaths,
  extra: readonly string[] = [],
): string {
  const names = new Set<string>(['id']);
  for (const name of extra) if (plan.readable.includes(name)) names.add(name);
  for (const set of objectSelections(info, paths))
    for (const field of fieldsOf(set, info.fragments)) {
      const name = field.name.value;
      if (name in plan.computed || plan.readable.includes(name)) names.add(name);
    }
  return [...names].join(',');
}
