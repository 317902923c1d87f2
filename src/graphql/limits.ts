import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** The bounds a query must stay within; each is checked before any resolver runs. */
export interface GraphQLLimits {
  /** Deepest nesting of fields (default 10). */
  depth?: number;
  /**
   * Most estimated work (default 5,000): each field costs 1, times the sizes of all the
   * lists around it, nested ones included (a list's `pageSize`/`first`, a variable's value,
   * else its default page size; a has-many relation counts as `relationSize`).
   */
  cost?: number;
  /** What the cost counts a has-many relation as, having no page size of its own (default 20). */
  relationSize?: number;
  /** Most aliases in one document (default 30). */
  aliases?: number;
  /** Most directives in one document (default 50). */
  directives?: number;
  /** Most tokens the parser reads (default 5,000): past it parsing stops. */
  tokens?: number;
  /**
   * Most field selections in one document (default 500), duplicates included: checked
   * before validation, whose overlapping-fields rule grows with their square.
   */
  fields?: number;
  /** Most operations in one batched request (a JSON array body; default 10). */
  batch?: number;
}

export const DEFAULT_LIMITS: Required<GraphQLLimits> = {
  depth: 10,
  cost: 5_000,
  relationSize: 5,
  aliases: 30,
  directives: 50,
  tokens: 5_000,
  fields: 500,
  batch: 10,
};

function limitError(message: string, node?: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(message, {
    ...(node ? { nodes: [node] } : {}),
    extensions: { code: 'QUERY_TOO_COMPLEX' },
  });
}

/**
 * Counts a document's aliases, directives and field selections (fragments once each, as
 * written) and refuses it past a limit: a cheap walk before validation, so a document of a
 * thousand duplicated fields never reaches graphql-js's quadratic overlap check.
 */
export function documentLimitErrors(document: DocumentNode, limits: Required<GraphQLLimits>): GraphQLError[] {
  let aliases = 0;
  let directives = 0;
  let fields = 0;
  const walk = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      directives += selection.directives?.length ?? 0;
      if (selection.kind === Kind.FIELD) {
        fields += 1;
        if (selection.alias) aliases += 1;
        walk(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
    }
  };
  for (const definition of document.definitions)
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) {
      directives += definition.directives?.length ?? 0;
      if (definition.kind === Kind.OPERATION_DEFINITION)
        for (const variable of definition.variableDefinitions ?? [])
          directives += variable.directives?.length ?? 0;
      walk(definition.selectionSet);
    }
  const errors: GraphQLError[] = [];
  if (aliases > limits.aliases)
    errors.push(limitError(`The query has ${aliases} aliases; at most ${limits.aliases} are allowed`));
  if (directives > limits.directives)
    errors.push(
      limitError(`The query has ${directives} directives; at most ${limits.directives} are allowed`),
    );
  if (fields > limits.fields)
    errors.push(limitError(`The query selects ${fields} fields; at most ${limits.fields} are allowed`));
  return errors;
}

/** What a list field's `extensions.basaltList` says of its pages. */
export interface ListSizes {
  pageSize: number;
  maxPageSize: number;
}

/** The extensions of a has-many relation's field: counted as `limits.relationSize` objects. */
export const RELATION_EXTENSIONS = { basaltRelation: true } as const;

/**
 * A validation rule measuring each operation's depth through its fragments (a fragment
 * cycle is another rule's error, so it is walked once). The cost is `operationCost`'s.
 */
export function limitsRule(limits: Required<GraphQLLimits>): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    return {
      OperationDefinition(operation) {
        const fragments = fragmentsOf(context.getDocument());
        let deepest = 0;
        const walk = (set: SelectionSetNode, depth: number, seen: ReadonlySet<string>): void => {
          for (const selection of set.selections) {
            if (deepest > limits.depth) return;
            if (selection.kind === Kind.FIELD) {
              deepest = Math.max(deepest, depth);
              if (selection.selectionSet) walk(selection.selectionSet, depth + 1, seen);
            } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, depth, seen);
            else {
              const name = selection.name.value;
              const fragment = fragments.get(name);
              if (fragment && !seen.has(name)) walk(fragment.selectionSet, depth, new Set([...seen, name]));
            }
          }
        };
        walk(operation.selectionSet, 1, new Set());
        if (deepest > limits.depth)
          context.reportError(
            limitError(`The query is nested deeper than ${limits.depth} levels`, operation),
          );
      },
    };
  };
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/** An operation's estimated cost, and whether a list's size in it comes from a variable. */
export interface OperationCost {
  cost: number;
  /** A `pageSize`/`first` is a variable: without the variables, counted at its largest. */
  variable: boolean;
}

/**
 * The estimated work of an operation, the way GitHub's API counts its nodes: each field
 * costs 1, times the sizes of every list around it. A list field's size is its
 * `pageSize`/`first` (a literal, else the variable's value — or, with no `variables` given,
 * the largest page — else its default page size), capped at the largest page; a has-many
 * relation counts as `relationSize`; any other field as 1. Fragments count at each use,
 * aliases each. The cost of a selection is linear in the sizes around it, so each
 * fragment is measured once: a document's fragments nested a hundred times deep stay a walk
 * of its text.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  limits: Required<GraphQLLimits>,
  variables?: Readonly<Record<string, unknown>> | null,
): OperationCost {
  const fragments = fragmentsOf(document);
  const defaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? [])
    if (definition.defaultValue?.kind === Kind.INT)
      defaults.set(definition.variable.name.value, Number(definition.defaultValue.value));
  let variable = false;
  const sizeOf = (field: FieldNode, definition: GraphQLField<unknown, unknown> | undefined): number => {
    const extensions = definition?.extensions;
    if (extensions?.basaltRelation === true) return limits.relationSize;
    const sizes = extensions?.basaltList as ListSizes | undefined;
    if (!sizes) return 1;
    const clamp = (n: number) => Math.min(Math.max(1, Math.floor(n)), sizes.maxPageSize);
    for (const arg of field.arguments ?? []) {
      if (arg.name.value !== 'pageSize' && arg.name.value !== 'first') continue;
      if (arg.value.kind === Kind.INT) return clamp(Number(arg.value.value));
      if (arg.value.kind !== Kind.VARIABLE) return sizes.pageSize;
      variable = true;
      if (!variables) return sizes.maxPageSize;
      const name = arg.value.name.value;
      const value = name in variables ? variables[name] : defaults.get(name);
      if (value === undefined || value === null) return sizes.pageSize;
      // Not a number: execution refuses it; until then it counts as the largest page.
      return typeof value === 'number' && Number.isFinite(value) ? clamp(value) : sizes.maxPageSize;
    }
    return sizes.pageSize;
  };
  const measured = new Map<string, number>();
  const unit = (
    set: SelectionSetNode,
    type: GraphQLNamedType | undefined,
    seen: ReadonlySet<string>,
  ): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        cost += 1;
        if (!selection.selectionSet) continue;
        const definition =
          isObjectType(type) || isInterfaceType(type) ? type.getFields()[selection.name.value] : undefined;
        const child = definition ? getNamedType(definition.type) : undefined;
        cost += sizeOf(selection, definition) * unit(selection.selectionSet, child, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        cost += unit(selection.selectionSet, on, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        let once = measured.get(name);
        if (once === undefined) {
          once = unit(
            fragment.selectionSet,
            schema.getType(fragment.typeCondition.name.value),
            new Set([...seen, name]),
          );
          measured.set(name, once);
        }
        cost += once;
      }
    }
    return cost;
  };
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  return { cost: unit(operation.selectionSet, root ?? undefined, new Set()), variable };
}

/** The refusal of an operation past the cost limit (`QUERY_TOO_COMPLEX`). */
export function costError(
  cost: number,
  limits: Required<GraphQLLimits>,
  operation: OperationDefinitionNode,
): GraphQLError {
  const shown = Number.isFinite(cost) && cost < 1e15 ? String(Math.round(cost)) : 'over 10^15';
  return limitError(
    `The query costs more than ${limits.cost}: ${shown} (each field 1, times the sizes of the lists around it; a has-many relation counts as ${limits.relationSize})`,
    operation,
  );
}
