/** Stable codes of migration errors (documented in docs/migrations.md). */
export type MigrationErrorCode =
  | 'BASALT_MIGRATION_IRREVERSIBLE'
  | 'BASALT_MIGRATION_INVALID'
  | 'BASALT_MIGRATION_NOT_FOUND'
  | 'BASALT_MIGRATION_FAILED';

/** An error raised while loading, planning or applying migrations. */
export class MigrationError extends Error {
  /** Stable code, e.g. `BASALT_MIGRATION_IRREVERSIBLE`. */
  readonly code: MigrationErrorCode;

  constructor(code: MigrationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
    this.code = code;
  }
}
