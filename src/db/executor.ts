/**
 * The API shared by a database and a transaction (filled in by database.ts).
 * Declared here, type-only, so models and hooks can name it without import cycles.
 */
export interface Executor {
  /** `'sqlite'` or `'postgres'`. */
  readonly dialect: 'sqlite' | 'postgres';
}
