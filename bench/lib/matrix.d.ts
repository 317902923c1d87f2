import type { MatrixSuite } from '../suites/techempower.js';

/** `pid` and its descendants (cluster workers), from /proc. */
export declare function processTree(pid: number): Promise<number[]>;
/** Resident memory of one process in bytes (VmRSS), NaN where /proc is missing. */
export declare function residentBytes(pid: number): Promise<number>;
/** Verifies, measures and reports a matrix suite; false when broken or errors under load. */
export declare function runMatrixSuite(
  suite: MatrixSuite,
  settings: {
    duration: number;
    warmup: number;
    connections: number;
    pipelining: number;
    rounds: number;
    workers: number;
  },
  options: { verifyOnly: boolean; quick?: boolean; save: boolean; note?: string; command: string },
): Promise<boolean>;
