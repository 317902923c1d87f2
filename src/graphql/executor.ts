import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Logger } from '../core/index.js';
import { requestError, toGraphQLError } from './errors.js';
import {
  costError,
  DEFAULT_LIMITS,
  documentLimitErrors,
  type GraphQLLimits,
  limitsRule,
  operationCost,
} from './limits.js';
import type { PersistedQueries } from './persisted.js';
import type { GraphQLContext } from './schema.js';

/** A GraphQL request as it arrives (a POST body, or GET's query string with `variables` parsed). */
export interface GraphQLRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  /** `persistedQuery: { sha256Hash }` names a persisted document. */
  extensions?: unknown;
  /** A persisted document's id (GraphQL over HTTP's `documentId`): its SHA-256 hash. */
  documentId?: unknown;
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
  /** The documents clients may send by hash, and whether others run too. */
  persisted?: PersistedQueries;
}

interface Prepared {
  document?: DocumentNode;
  errors?: readonly GraphQLError[];
  /** Compiled operations by name ('' for the only one). */
  compiled?: Map<string, CompiledQuery>;
  /**
   * The operations whose cost, with their page-size variables at their largest, is past the
   * limit: measured again with each request's variables. Absent for the others (no work per request).
   */
  costly?: Set<OperationDefinitionNode>;
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

  /** The most operations one batched request may carry. */
  get batchLimit(): number {
    return this.#limits.batch;
  }

  #prepare(query: string): Prepared {
    let prepared = this.#prepared.get(query);
    if (prepared) return prepared;
    try {
      const document = parse(query, { maxTokens: this.#limits.tokens });
      const limited = documentLimitErrors(document, this.#limits);
      const errors: GraphQLError[] =
        limited.length > 0 ? limited : [...validate(this.#schema, document, this.#rules, { maxErrors: 20 })];
      // The cost, once per document: an operation whose page sizes are variables and which
      // could cost too much at their largest is measured again with each request's values.
      const costly = new Set<OperationDefinitionNode>();
      if (errors.length === 0)
        for (const definition of document.definitions) {
          if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
          const { cost, variable } = operationCost(this.#schema, document, definition, this.#limits);
          if (cost <= this.#limits.cost) continue;
          if (variable) costly.add(definition);
          else errors.push(costError(cost, this.#limits, definition));
        }
      prepared =
        errors.length > 0
          ? { errors: errors.map((e) => coded(e, 'GRAPHQL_VALIDATION_FAILED')) }
          : { document, ...(costly.size > 0 ? { costly } : {}) };
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

  /**
   * The document a request runs, and its operation, or the refusal: a persisted document
   * when it names one, else its `query` (refused when only persisted documents run).
   */
  #operation(
    request: GraphQLRequest,
  ):
    | { refused: GraphQLAnswer }
    | { prepared: Prepared; document: DocumentNode; operation: OperationDefinitionNode } {
    let query = request.query;
    const persisted = this.#options.persisted;
    if (persisted) {
      const found = persisted.resolve(request);
      if ('error' in found) return { refused: this.#refuse(400, [found.error]) };
      query = found.query;
    }
    if (typeof query !== 'string' || query.trim() === '')
      return { refused: this.#refuse(400, [requestError('Give the GraphQL document as `query`')]) };
    const prepared = this.#prepare(query);
    if (!prepared.document) return { refused: this.#refuse(400, prepared.errors ?? []) };
    const operationName = request.operationName ?? null;
    const operation = getOperationAST(prepared.document, operationName as string | null) ?? null;
    if (!operation)
      return {
        refused: this.#refuse(400, [
          requestError(
            operationName
              ? `No operation named '${String(operationName)}'`
              : 'Name the operation to run (operationName)',
          ),
        ]),
      };
    if (prepared.costly?.has(operation)) {
      const variables = (request.variables ?? {}) as Record<string, unknown>;
      const { cost } = operationCost(this.#schema, prepared.document, operation, this.#limits, variables);
      if (cost > this.#limits.cost)
        return { refused: this.#refuse(400, [costError(cost, this.#limits, operation)]) };
    }
    return { prepared, document: prepared.document, operation };
  }

  /** Checks a request's `variables` and `operationName`; the refusal, or undefined. */
  #checkShape(request: GraphQLRequest): GraphQLAnswer | undefined {
    const variables = request.variables ?? null;
    if (variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
      return this.#refuse(400, [requestError('`variables` must be an object')]);
    const operationName = request.operationName ?? null;
    if (operationName !== null && typeof operationName !== 'string')
      return this.#refuse(400, [requestError('`operationName` must be a string')]);
    return undefined;
  }

  /**
   * Prepares a subscription (POST only): the validated document and its operation, or the
   * refusal. The caller runs it with graphql-js's `subscribe`.
   */
  prepareSubscription(
    request: GraphQLRequest,
  ): { refused: GraphQLAnswer } | { document: DocumentNode; operation: OperationDefinitionNode } {
    const bad = this.#checkShape(request);
    if (bad) return { refused: bad };
    const found = this.#operation(request);
    if ('refused' in found) return found;
    return { document: found.document, operation: found.operation };
  }

  /** Formats an execution's errors as the answers do (codes, no internals). */
  format(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    return errors.map((e) => this.#format(e));
  }

  /**
   * Runs a batch (a JSON array body) one operation after another, each answered as alone;
   * past the batch limit nothing runs (400).
   */
  async runBatch(
    requests: readonly GraphQLRequest[],
    context: GraphQLContext,
  ): Promise<{ status: number; body: GraphQLAnswer['body'] | GraphQLAnswer['body'][] }> {
    if (requests.length === 0) return this.#refuse(400, [requestError('The batch is empty')]);
    if (requests.length > this.#limits.batch)
      return this.#refuse(400, [
        requestError(
          `The batch has ${requests.length} operations; at most ${this.#limits.batch} are allowed`,
          'QUERY_TOO_COMPLEX',
        ),
      ]);
    const bodies: GraphQLAnswer['body'][] = [];
    for (const request of requests) bodies.push((await this.run(request, context, 'POST')).body);
    return { status: 200, body: bodies };
  }

  /** Runs one request; `method` GET may only run queries. */
  async run(
    request: GraphQLRequest,
    context: GraphQLContext,
    method: 'GET' | 'POST',
  ): Promise<GraphQLAnswer> {
    const bad = this.#checkShape(request);
    if (bad) return bad;
    const found = this.#operation(request);
    if ('refused' in found) return found.refused;
    const { prepared, operation } = found;
    const variables = request.variables ?? null;
    const operationName = (request.operationName as string | null | undefined) ?? null;
    if (method === 'GET' && operation.operation !== 'query')
      return this.#refuse(405, [
        requestError(`A ${operation.operation} is sent with POST, never GET`, 'METHOD_NOT_ALLOWED'),
      ]);
    if (operation.operation === 'subscription')
      return this.#refuse(400, [
        requestError(
          'A subscription is answered as a stream: send it with `Accept: text/event-stream`',
          'BAD_REQUEST',
        ),
      ]);
    const result: ExecutionResult = await this.#execute(
      prepared,
      found.document,
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
