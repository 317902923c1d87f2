import { readFileSync } from 'node:fs';
import { BasaltError } from '../../core/index.js';

// From src/ the list sits next to this file; from dist/ (tsc does not copy data files)
// it is read from the published src/ folder.
const CANDIDATES = ['./common-passwords.txt', '../../../src/auth/passwords/common-passwords.txt'];

let cached: ReadonlySet<string> | undefined;

/**
 * The ~50,000 common passwords shipped with Basalt (see README.md in this folder),
 * lower-cased. Read from disk on the first call, then kept: the list never changes.
 */
export function defaultCommonPasswords(): ReadonlySet<string> {
  if (cached !== undefined) return cached;
  let lastError: unknown;
  for (const candidate of CANDIDATES) {
    try {
      const text = readFileSync(new URL(candidate, import.meta.url), 'utf8');
      cached = new Set(
        text
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== ''),
      );
      return cached;
    } catch (error) {
      lastError = error;
    }
  }
  throw new BasaltError(
    'BASALT_INTERNAL_ERROR',
    'The common passwords list (common-passwords.txt) could not be read',
    { cause: lastError },
  );
}
