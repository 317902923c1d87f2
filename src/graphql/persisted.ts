import { createHash } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import { BasaltError } from '../core/index.js';
import { requestError } from './errors.js';

/** Documents known in advance, which clients send by their SHA-256 hash instead of in full. */
export interface PersistedQueriesOptions {
  /**
   * The documents by the hex SHA-256 hash of their text (a client build writes this map).
   * A client sends `{ documentId: hash }` or Apollo's
   * `{ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }`.
   */
  queries: Readonly<Record<string, string>>;
  /**
   * Also run documents sent in full (default false: only the persisted documents run, an
   * allow-list of what the API answers).
   */
  allowArbitrary?: boolean;
}

/** The hash a request names, from `documentId` or Apollo's `extensions.persistedQuery`. */
function hashOf(request: { extensions?: unknown; documentId?: unknown }): unknown {
  if (request.documentId !== undefined && request.documentId !== null) return request.documentId;
  const extensions = request.extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined;
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  return extensions.persistedQuery?.sha256Hash;
}

/** The persisted documents of one API, checked against their hashes when the module is made. */
export class PersistedQueries {
  readonly #queries: ReadonlyMap<string, string>;
  readonly #arbitrary: boolean;

  constructor(options: PersistedQueriesOptions) {
    const queries = new Map<string, string>();
    for (const [hash, query] of Object.entries(options.queries)) {
      const actual = createHash('sha256').update(query).digest('hex');
      if (actual !== hash.toLowerCase().replace(/^sha256:/, ''))
        throw new BasaltError(
          'BASALT_CONFIG_INVALID',
          `graphql: the persisted query '${hash}' is not the SHA-256 of its text (it is ${actual})`,
        );
      queries.set(actual, query);
    }
    this.#queries = queries;
    this.#arbitrary = options.allowArbitrary ?? false;
  }

  /** The text a request runs, or why it is refused. */
  resolve(request: {
    query?: unknown;
    extensions?: unknown;
    documentId?: unknown;
  }): { query: unknown } | { error: GraphQLError } {
    const hash = hashOf(request);
    if (hash === undefined || hash === null) {
      if (this.#arbitrary) return { query: request.query };
      return {
        error: requestError(
          'This API runs persisted queries only: send `documentId` (the SHA-256 of a known document)',
          'PERSISTED_QUERY_REQUIRED',
        ),
      };
    }
    const query =
      typeof hash === 'string' ? this.#queries.get(hash.toLowerCase().replace(/^sha256:/, '')) : undefined;
    if (query === undefined)
      return { error: requestError('No persisted query has this hash', 'PERSISTED_QUERY_NOT_FOUND') };
    // A document sent with its hash must be the persisted one (never a way around the list).
    if (typeof request.query === 'string' && request.query !== query)
      return { error: requestError('The query is not the persisted document of this hash') };
    return { query };
  }
}
