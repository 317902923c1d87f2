import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineModel, f } from '../../../src/db/index.js';
import { makeMigrations } from '../../../src/db/migrations/makemigrations.js';
import { type ReadyGoProcess, startReadyGoProcess } from '../../support/ready-go-process.js';
import { IMPORT_FROM } from './command-harness.js';
import type { TestDatabase } from './dialects.js';
import { dialects } from './dialects.js';

const SCRIPT = fileURLToPath(new URL('./migrate-process.ts', import.meta.url));
const _ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// Under load a process can take seconds to start; each waits for `go` after loading, so the two
// migrate calls start together and the overlap below does not depend on start-up times.
function migrateInProcess(url: string, folder: string): ReadyGoProcess {
  return startReadyGoProcess(SCRIPT, [url, folder]);
}

/** A slow data migration that counts how often it runs. */
const SLOW = `import { defineMigration, runCode } from '${IMPORT_FROM}';

export default defineMigration({
  dependencies: ['0002_add_field_bio_to_author'],
  operations: [
    runCode({
      description: 'Count runs slowly',
      forwards: async ({ db }) => {
        await new Promise((r) => setTimeout(r, 1500));
        await db.insertInto('author').values({ name: 'migration ran' }).execute();
      },
      backwards: async () => {},
    }),
  ],
});
`;

describe.each(dialects)('concurrent migrate processes on $name', ({ skip, fresh }) => {
  let t: TestDatabase;
  let folder: string;
  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'basalt-concurrent-'));
    if (!skip) t = await fresh();
  });
  afterEach(async () => {
    rmSync(folder, { recursive: true, force: true });
    if (!skip) await t.destroy();
  });

  it.skipIf(skip)('apply each migration exactly once', async () => {
    const author = defineModel('author', { name: f.string({ max: 120 }) });
    await makeMigrations({ folder, models: [author], importFrom: IMPORT_FROM });
    const withBio = defineModel('author', { name: f.string({ max: 120 }), bio: f.text({ optional: true }) });
    await makeMigrations({ folder, models: [withBio], importFrom: IMPORT_FROM });
    writeFileSync(join(folder, '0003_slow.ts'), SLOW);
    const withTags = defineModel('tag', { label: f.string({ max: 30 }) });
    await makeMigrations({ folder, models: [withBio, withTags], importFrom: IMPORT_FROM, name: 'tags' });

    const processes = [migrateInProcess(t.url, folder), migrateInProcess(t.url, folder)];
    await Promise.all(processes.map((p) => p.ready));
    for (const p of processes) p.go();
    const [a, b] = await Promise.all(processes.map((p) => p.done));
    if (!a || !b) throw new Error('two processes expected');
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    const ra = JSON.parse(a.stdout) as { applied: string[]; start: number; end: number };
    const rb = JSON.parse(b.stdout) as { applied: string[]; start: number; end: number };
    // The two runs overlapped in time: one waited for the other's lock.
    expect(ra.start < rb.end && rb.start < ra.end).toBe(true);
    const applied = [...ra.applied, ...rb.applied].sort();
    expect(applied).toEqual(['0001_initial', '0002_add_field_bio_to_author', '0003_slow', '0004_tags']);
    const recorded = await sql<{ name: string }>`select name from basalt_migrations order by name`.execute(
      t.kysely,
    );
    expect(recorded.rows.map((r) => r.name)).toEqual(applied);
    const ran = await sql<{
      n: number;
    }>`select count(*) as n from author where name = 'migration ran'`.execute(t.kysely);
    expect(Number(ran.rows[0]!.n)).toBe(1);
  });
});
