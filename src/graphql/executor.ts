import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Logger } from '../core/index.js';
import { requestError, toGraphQLError } from './errors.js';
import { DEFAULT_LIMITS, type GraphQLLimits, limitsRule } from './limits.js';
import type { GraphQLContext } from './schema.js';

/** A GraphQL request as it arrives (a POST body, or GET's query string with `variables` parsed). */
export interface GraphQLRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** What to answer: the HTTP status and the GraphQL response. */
export interface GraphQLAnswer {
  status: number;
  body: { data?: unknown; errors?: GraphQLFormattedError[] };
}

/** How the executor runs queries. */
export interface GraphQLExecutorOptions {
  limits?: GraphQLLimits;
  /** Answer introspection queries (`__schema`, `__type`). */
  introspection: boolean;
  /** Leave schema hints (`Did you mean …?`) out of error messages. */
  production: boolean;
  log?: Logger;
}

interface Prepared {
  document?: DocumentNode;
  errors?: readonly GraphQLError[];
  /** Compiled operations by name ('' for the only one). */
  compiled?: Map<string, CompiledQuery>;
}

/** The error with an `extensions.code` (kept when it has one: the limits' QUERY_TOO_COMPLEX). */
function coded(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions.code !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

/** Most distinct query texts whose parsed and validated document is kept. */
const MAX_CACHED = 500;

/**
 * Runs GraphQL requests against one schema: parses (with a token limit), validates (with
 * the depth, cost, alias and directive limits, and without introspection when it is off)
 * once per distinct query text, then executes with the request's actor and database.
 * Every refusal before execution is a 400 with GraphQL errors; no resolver has run.
 */
export class GraphQLExecutor {
  readonly #schema: GraphQLSchema;
  readonly #options: GraphQLExecutorOptions;
  readonly #rules;
  readonly #limits: Required<GraphQLLimits>;
  readonly #prepared = new Map<string, Prepared>();

  constructor(schema: GraphQLSchema, options: GraphQLExecutorOptions) {
    this.#schema = schema;
    this.#options = options;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#rules = [
      ...specifiedRules,
      limitsRule(this.#limits),
      ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
    ];
  }

  #prepare(query: string): Prepared {
    let prepared = this.#prepared.get(query);
    if (prepared) return prepared;
    try {
      const document = parse(query, { maxTokens: this.#limits.tokens });
      const errors = validate(this.#schema, document, this.#rules, { maxErrors: 20 });
      prepared =
        errors.length > 0
          ? { errors: errors.map((e) => coded(e, 'GRAPHQL_VALIDATION_FAILED')) }
          : { document };
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      prepared = { errors: [coded(error, 'GRAPHQL_PARSE_FAILED')] };
    }
    if (this.#prepared.size >= MAX_CACHED) this.#prepared.delete(this.#prepared.keys().next().value!);
    this.#prepared.set(query, prepared);
    return prepared;
  }

  #refuse(status: number, errors: readonly GraphQLError[]): GraphQLAnswer {
    return { status, body: { errors: errors.map((e) => this.#format(e)) } };
  }

  #format(error: GraphQLError): GraphQLFormattedError {
    return toGraphQLError(error, this.#options.log, this.#options.production).toJSON();
  }

  /**
   * Runs a validated document: compiled once per operation by graphql-jit (measured the
   * fastest, see docs/architecture.md), graphql-js's `execute` when it cannot compile it.
   */
  #execute(
    prepared: Prepared,
    document: DocumentNode,
    operationName: string | null,
    variables: unknown,
    context: GraphQLContext,
  ): Promise<ExecutionResult> | ExecutionResult {
    prepared.compiled ??= new Map();
    const key = operationName ?? '';
    let compiled = prepared.compiled.get(key);
    if (!compiled) {
      const made = compileQuery(this.#schema, document, operationName ?? undefined, {
        disablingCapturingStackErrors: true,
      });
      if (!isCompiledQuery(made))
        return execute({
          schema: this.#schema,
          document,
          variableValues: variables as Record<string, unknown> | null,
          operationName,
          contextValue: context,
        });
      compiled = made;
      prepared.compiled.set(key, compiled);
    }
    return compiled.query(undefined, context, variables as Record<string, unknown> | null);
  }

  /** Runs one request; `method` GET may only run queries. */
  async run(
    request: GraphQLRequest,
    context: GraphQLContext,
    method: 'GET' | 'POST',
  ): Promise<GraphQLAnswer> {
    if (typeof request.query !== 'string' || request.query.trim() === '')
      return this.#refuse(400, [requestError('Give the GraphQL document as `query`')]);
    const variables = request.variables ?? null;
    if (variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
      return this.#refuse(400, [requestError('`variables` must be an object')]);
    const operationName = request.operationName ?? null;
    if (operationName !== null && typeof operationName !== 'string')
      return this.#refuse(400, [requestError('`operationName` must be a string')]);
    const prepared = this.#prepare(request.query);
    if (!prepared.document) return this.#refuse(400, prepared.errors ?? []);
    const operation: OperationDefinitionNode | null =
      getOperationAST(prepared.document, operationName) ?? null;
    if (!operation)
      return this.#refuse(400, [
        requestError(
          operationName
            ? `No operation named '${operationName}'`
            : 'Name the operation to run (operationName)',
        ),
      ]);
    if (method === 'GET' && operation.operation !== 'query')
      return this.#refuse(405, [
        requestError(`A ${operation.operation} is sent with POST, never GET`, 'METHOD_NOT_ALLOWED'),
      ]);
    const result: ExecutionResult = await this.#execute(
      prepared,
      prepared.document,
      operationName,
      variables,
      context,
    );
    // No data: the variables were refused before any resolver ran.
    if (!('data' in result) || result.data === undefined)
      return this.#refuse(
        400,
        (result.errors ?? []).map((e) => coded(e, 'BAD_USER_INPUT')),
      );
    const body: GraphQLAnswer['body'] = { data: result.data };
    if (result.errors) body.errors = result.errors.map((e) => this.#format(e));
    return { status: 200, body };
  }
}
