import type { Implementation } from '../lib/servers.js';

/** One request autocannon sends over and over. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A benchmark suite: the same behaviour written several ways, measured under the same
 * load in one run and reported as ratios to the baselines.
 */
export interface Suite {
  name: string;
  title: string;
  description: string;
  implementations: (Implementation & { description: string })[];
  /** Implementations every other one is divided by, in table order. */
  baselines: string[];
  /** The ratio the suite is judged by, e.g. basalt ≥ 0.9 × fastify. */
  target?: { implementation: string; baseline: string; ratio: number };
  request: RequestSpec;
  /** Extra environment for every implementation's process (e.g. DATABASE_URL). */
  env?: Record<string, string>;
  /**
   * Adjusts the request for one started implementation before it is loaded (e.g. signs in
   * for a token). Runs after the process starts, before the warm-up.
   */
  prepare?(baseUrl: string, implementation: string): Promise<Partial<RequestSpec>>;
  /** Throws a VerificationError when the implementation answers wrongly; returns the good answer's body. */
  verify(baseUrl: string, implementation: string): Promise<unknown>;
}
