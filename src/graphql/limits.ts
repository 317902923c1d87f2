import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  GraphQLError,
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
   * Most estimated work (default 5,000): each field costs 1, times the page size of the
   * lists around it (their `pageSize`/`first` argument, else 20).
   */
  cost?: number;
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

/** What a list field's `extensions.basaltList` says of its pages. */
export interface ListSizes {
  pageSize: number;
  maxPageSize: number;
}

/** The page size a list field asks for: a literal `pageSize`/`first`, its largest for a variable, else the default. */
function listSize(field: FieldNode, sizes: ListSizes): number {
  for (const arg of field.arguments ?? []) {
    if (arg.name.value !== 'pageSize' && arg.name.value !== 'first') continue;
    if (arg.value.kind === Kind.INT) return Math.min(Math.max(1, Number(arg.value.value)), sizes.maxPageSize);
    return sizes.maxPageSize;
  }
  return sizes.pageSize;
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

/**
 * A validation rule measuring each operation's depth and cost through its fragments (a
 * fragment cycle is another rule's error, so it is walked once).
 */
export function limitsRule(limits: Required<GraphQLLimits>): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    return {
      OperationDefinition(operation) {
        const roots =
          (operation.operation === 'query' ? context.getSchema().getQueryType() : undefined)?.getFields() ??
          {};
        const fragments = new Map(
          context
            .getDocument()
            .definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
            .map((d) => [d.name.value, d.selectionSet] as const),
        );
        let deepest = 0;
        let stopped = false;
        const walk = (
          set: SelectionSetNode,
          depth: number,
          multiplier: number,
          seen: ReadonlySet<string>,
        ): number => {
          if (stopped) return 0;
          let cost = 0;
          for (const selection of set.selections) {
            if (selection.kind === Kind.FIELD) {
              deepest = Math.max(deepest, depth);
              if (deepest > limits.depth) {
                stopped = true;
                return cost;
              }
              cost += multiplier;
              if (selection.selectionSet) {
                const sizes =
                  depth === 1
                    ? (roots[selection.name.value]?.extensions?.basaltList as ListSizes | undefined)
                    : undefined;
                const size = sizes ? listSize(selection, sizes) : 1;
                cost += walk(selection.selectionSet, depth + 1, multiplier * size, seen);
              }
            } else if (selection.kind === Kind.INLINE_FRAGMENT) {
              cost += walk(selection.selectionSet, depth, multiplier, seen);
            } else {
              const name = selection.name.value;
              const fragment = fragments.get(name);
              if (fragment && !seen.has(name))
                cost += walk(fragment, depth, multiplier, new Set([...seen, name]));
            }
            if (cost > limits.cost) {
              stopped = true;
              return cost;
            }
          }
          return cost;
        };
        const cost = walk(operation.selectionSet, 1, 1, new Set());
        if (deepest > limits.depth)
          context.reportError(
            limitError(`The query is nested deeper than ${limits.depth} levels`, operation),
          );
        else if (cost > limits.cost)
          context.reportError(
            limitError(
              `The query costs more than ${limits.cost} (each field, times the page sizes around it)`,
              operation,
            ),
          );
      },
    };
  };
}
