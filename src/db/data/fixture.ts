/** A JSON value as it appears in a fixture. */
export type FixtureValue =
  | string
  | number
  | boolean
  | null
  | FixtureValue[]
  | { [key: string]: FixtureValue };

/**
 * One row of a fixture, in Django's shape: belongsTo fields hold the related pk,
 * manyToMany fields a list of pks, decimals strings and datetimes ISO 8601 strings.
 *
 * @example
 * { "model": "book", "pk": 1, "fields": { "title": "Dune", "price": "14.99", "author": 2, "tags": [1, 3] } }
 */
export interface Fixture {
  /** The model's name, as given to `defineModel`. */
  model: string;
  /** The primary key; a record without one is inserted with a new key. */
  pk?: string | number | null;
  /** Values by field name (`author`, not `authorId`); reverse relations are not listed. */
  fields: Record<string, FixtureValue>;
}
