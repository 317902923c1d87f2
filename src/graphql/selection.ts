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

/** The selection sets of the objects a root field returns (through `items`/`nodes` of a page). */
function objectSelections(info: GraphQLResolveInfo, wrapper: string | null): SelectionSetNode[] {
  const sets: SelectionSetNode[] = [];
  for (const node of info.fieldNodes) {
    if (!node.selectionSet) continue;
    if (wrapper === null) sets.push(node.selectionSet);
    else
      for (const field of fieldsOf(node.selectionSet, info.fragments))
        if (field.name.value === wrapper && field.selectionSet) sets.push(field.selectionSet);
  }
  return sets;
}

/**
 * The relations a query selects, as the operation layer's `include` parameter
 * (`author,lines.book`): the layer loads each with one batched query, never one per row.
 */
export function selectedIncludes(
  info: GraphQLResolveInfo,
  includes: readonly IncludePlan[],
  wrapper: string | null,
): string | undefined {
  const paths = new Set<string>();
  const walk = (set: SelectionSetNode, plans: readonly IncludePlan[]) => {
    if (plans.length === 0) return;
    for (const field of fieldsOf(set, info.fragments)) {
      const plan = plans.find((p) => p.name === field.name.value);
      if (!plan) continue;
      paths.add(plan.path);
      if (field.selectionSet) walk(field.selectionSet, plan.children);
    }
  };
  for (const set of objectSelections(info, wrapper)) walk(set, includes);
  return paths.size === 0 ? undefined : [...paths].join(',');
}

/**
 * The fields and computed values a query selects, as the layer's sparse `fields` parameter
 * (`id,title,priceCents`): a computed value nobody asked for is not computed.
 */
export function selectedFields(info: GraphQLResolveInfo, plan: FieldPlan, wrapper: string | null): string {
  const names = new Set<string>(['id']);
  for (const set of objectSelections(info, wrapper))
    for (const field of fieldsOf(set, info.fragments)) {
      const name = field.name.value;
      if (name in plan.computed || plan.readable.includes(name)) names.add(name);
    }
  return [...names].join(',');
}
