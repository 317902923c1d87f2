import { BasaltError } from '../../core/index.js';

/** Stable codes of migration errors, in the shape of core's `ERROR_CODES` (see docs/reference/errors.md). */
export const MIGRATION_ERROR_CODES = {
  BASALT_MIGRATION_IRREVERSIBLE: { status: 500, title: 'The migration cannot be reversed' },
  BASALT_MIGRATION_INVALID: { status: 500, title: 'Invalid migration' },
  BASALT_MIGRATION_NOT_FOUND: { status: 500, title: 'No such migration' },
  BASALT_MIGRATION_FAILED: { status: 500, title: 'A migration failed' },
} as const;

/** A migration error code. */
export type MigrationErrorCode = keyof typeof MIGRATION_ERROR_CODES;

/** An error raised while loading, planning or applying migrations. */
export class MigrationError extends BasaltError {
  declare readonly code: MigrationErrorCode;

  constructor(code: MigrationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { title: MIGRATION_ERROR_CODES[code].title, status: 500, cause: options?.cause });
    this.name = 'MigrationError';
  }
}
