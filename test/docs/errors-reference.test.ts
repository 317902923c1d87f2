import { readFileSync } from 'node:fs';
import { ERROR_CODES } from 'basalt';
import { OIDC_ERROR_CODES, SESSION_ERROR_CODES } from 'basalt/auth';
import { DB_ERROR_CODES, FIXTURE_ERROR_CODES, MIGRATION_ERROR_CODES } from 'basalt/db';
import { JOBS_ERROR_CODES } from 'basalt/jobs';
import { STORAGE_ERROR_CODES } from 'basalt/storage';
import { describe, expect, it } from 'vitest';

describe('docs/reference/errors.md', () => {
  it('lists exactly the error codes Basalt can answer with, with their statuses', () => {
    const text = readFileSync(new URL('../../docs/reference/errors.md', import.meta.url), 'utf8');
    const documented = new Map<string, number>();
    for (const match of text.matchAll(/^\| `(BASALT_[A-Z_]+)` \| (\d{3}) \|/gm))
      documented.set(match[1]!, Number(match[2]));
    const actual = new Map(
      Object.entries({
        ...ERROR_CODES,
        ...DB_ERROR_CODES,
        ...MIGRATION_ERROR_CODES,
        ...FIXTURE_ERROR_CODES,
        ...OIDC_ERROR_CODES,
        ...SESSION_ERROR_CODES,
        ...STORAGE_ERROR_CODES,
        ...JOBS_ERROR_CODES,
      }).map(([code, { status }]) => [code, status]),
    );
    expect([...documented.keys()].sort()).toEqual([...actual.keys()].sort());
    for (const [code, status] of actual) expect(documented.get(code), code).toBe(status);
  });
});
