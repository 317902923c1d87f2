import { describe, expect, it } from 'vitest';
import { ROOT, runBasalt } from '../cli/basalt-process.js';

describe('the bookshop migrations', () => {
  it(
    'describe its models exactly: makemigrations --check finds nothing to write',
    { timeout: 60_000 },
    async () => {
      // A model change (a field, an index of a module's model) without its migration would
      // leave databases migrated from the history different from what the code expects.
      const result = await runBasalt(['makemigrations', '--check'], {
        cwd: ROOT,
        env: { DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' },
      });
      expect(result.stdout + result.stderr).toContain('No changes detected');
      expect(result.code).toBe(0);
    },
  );
});
