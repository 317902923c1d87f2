import type { Implementation } from '../lib/servers.js';
import type { RequestSpec } from './suite.js';

/** One test type of a matrix suite: a request and the target ratio to the baseline. */
export interface MatrixTest {
  name: string;
  request: RequestSpec;
  /** The subject's req/s must be at least this ratio of the target baseline's. */
  target?: number;
}

/**
 * A suite of several tests, each loaded against every implementation; each implementation
 * is started once and serves all the tests (bench/lib/matrix.js runs it).
 */
export interface MatrixSuite {
  name: string;
  title: string;
  description: string;
  implementations: (Implementation & { description: string })[];
  baselines: string[];
  tests: MatrixTest[];
  /** The subject, the baseline each test's `target` divides by, and those it must be ahead of. */
  target?: { implementation: string; baseline: string; ahead: string[] };
  /** A path answered 200 once the server is ready: start-up time is measured to its first answer. */
  readyPath: string;
  /** Runs once before anything is started (e.g. starts and seeds the database). */
  setup?(): Promise<void>;
  /** Throws when the implementation answers any test wrongly. */
  verify(baseUrl: string, implementation: string): Promise<void>;
}

export declare const LOAD_QUERIES: number;
export declare const techempower: MatrixSuite;
