/** Stable codes of fixture errors (documented in docs/fixtures.md). */
export type FixtureErrorCode =
  /** The fixture is not an array of `{ model, pk, fields }` records. */
  | 'BASALT_FIXTURE_MALFORMED'
  /** A record names a model the database does not know. */
  | 'BASALT_FIXTURE_UNKNOWN_MODEL'
  /** A record names a field its model does not have. */
  | 'BASALT_FIXTURE_UNKNOWN_FIELD'
  /** A value fails the field's validation or a database constraint. */
  | 'BASALT_FIXTURE_INVALID_VALUE'
  /** A belongsTo or manyToMany value points at a row that is neither in the fixture nor in the database. */
  | 'BASALT_FIXTURE_DANGLING_REFERENCE';

/** Where in a fixture an error was found. */
export interface FixtureErrorLocation {
  /** Position of the record in the (concatenated) fixture array, from 0. */
  index?: number;
  model?: string;
  pk?: unknown;
  field?: string;
}

/**
 * A fixture that cannot be loaded. The message names the record (index, model, pk) and the
 * field; nothing was written when it is thrown.
 */
export class FixtureError extends Error {
  /** Stable code, e.g. `BASALT_FIXTURE_UNKNOWN_FIELD`. */
  readonly code: FixtureErrorCode;
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
    super(`${describeLocation(location)}${detail}`, options);
    this.name = 'FixtureError';
    this.code = code;
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
