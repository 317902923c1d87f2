// Names Basalt's own capabilities need from the data layer. Not a package subpath: apps never
// import them (see "Public and internal names" in docs/architecture.md).

export {
  actingFor,
  databaseKeyOf,
  databasePool,
  traceStatements,
  validateWrite,
  withReadSession,
} from './database.js';
export type { PoolStats } from './dialects/dialect.js';
export { statementCacheOf } from './dialects/postgres.js';
export { migrationsPath } from './migrations/loader.js';
export { databaseModule } from './module.js';
export { FROM_MATCHES, ORDER_INDEX, RANK_FIRST } from './query/query.js';
export { type SearchTarget, searchCondition, searchRank } from './query/search.js';
export { RAW_CONDITION } from './query/where.js';
export { parseLsn, type ReadSession } from './replicas.js';
export { cursorOfRow } from './row-cursor.js';
export type { StatementWrapper } from './statement-hooks.js';
