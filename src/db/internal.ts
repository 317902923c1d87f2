// Names Basalt's own capabilities need from the data layer. Not a package subpath: apps never
// import them (see "Public and internal names" in docs/architecture.md).

export { actingFor, databaseKeyOf, validateWrite, withReadSession } from './database.js';
export { statementCacheOf } from './dialects/postgres.js';
export { parseLsn, type ReadSession } from './replicas.js';
export { migrationsPath } from './migrations/loader.js';
export { databaseModule } from './module.js';
export { cursorOfRow } from './row-cursor.js';
