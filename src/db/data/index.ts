export { type DumpOptions, dumpData } from './dump.js';
export {
  FIXTURE_ERROR_CODES,
  FixtureError,
  type FixtureErrorCode,
  type FixtureErrorLocation,
} from './errors.js';
export type { Fixture, FixtureValue } from './fixture.js';
export { type LoadResult, loadData } from './load.js';
