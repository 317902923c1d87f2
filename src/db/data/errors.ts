import { BasaltError } from '../../core/index.js';

/** Stable codes of fixture errors, in the shape of core's `ERROR_CODES` (see docs/fixtures.md). */
export const FIXTURE_ERROR_CODES = {
  /** The fixture is not an array of `{ model, pk, fields }` records. */
  BASALT_FIXTURE_MALFORMED: { status: 400, title: 'Malformed fixture' },
  /** A record names a model the database does not know. */
  BASALT_FIXTURE_UNKNOWN_MODEL: { status: 400, title: 'Unknown model in fixture' },
  /** A record names a field its model does not have. */
  BASALT_FIXTURE_UNKNOWN_FIELD: { status: 400, title: 'Unknown field in fixture' },
  /** A value fails the field's validation or a database constraint. */
  BASALT_FIXTURE_INVALID_VALUE: { status: 400, title: 'Invalid value in fixture' },
  /** A belongsTo or manyToMany key points at a row neither in the fixture nor in the database. */
  BASALT_FIXTURE_DANGLING_REFERENCE: { status: 400, title: 'Fixture refers to a missing row' },
} as const;

/** A fixture error code. */
export type FixtureErrorCode = keyof typeof FIXTURE_ERROR_CODES;

/** Where in a fixture an error was found. */
export interface FixtureErrorLocation {
  /** Position of the record in the (concatenated) fixture array, from 0. */
  index?: number;
  model?: string;
  pk?: unknown;
  field?: string;
}

/**
 * A fixture that cannot be loaded (or a model that cannot be dumped). The message names the
 * record (index, model, pk) and the field; nothing was written when it is thrown.
 */
export class FixtureError extends BasaltError {
  declare readonly code: FixtureErrorCode;
  readonly index: number | undefined;
  readonly model: string | undefined;
  readonly pk: unknown;
  readonly field: string | undefined;

  constructor(
    code: FixtureErrorCode,
    detail: string,
    location: FixtureErrorLocation = {},
    options?: { cause?: unknown },
  ) {
    super(code, `${describeLocation(location)}${detail}`, {
      title: FIXTURE_ERROR_CODES[code].title,
      status: FIXTURE_ERROR_CODES[code].status,
      cause: options?.cause,
    });
    this.name = 'FixtureError';
    this.index = location.index;
    this.model = location.model;
    this.pk = location.pk;
    this.field = location.field;
  }
}

function describeLocation(at: FixtureErrorLocation): string {
  const parts: string[] = [];
  if (at.index !== undefined) parts.push(`record #${at.index}`);
  if (at.model !== undefined) parts.push(`model '${at.model}'`);
  if (at.pk !== undefined && at.pk !== null) parts.push(`pk ${JSON.stringify(at.pk)}`);
  const where = parts.length ? `Fixture ${parts.join(', ')}` : '';
  const field = at.field === undefined ? '' : `${where ? ', ' : ''}field '${at.field}'`;
  return where || field ? `${where}${field}: ` : '';
}
