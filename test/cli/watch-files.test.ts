import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitignorePattern, WatchFilter } from '../../src/cli/watch-files.js';

function matches(pattern: string, path: string): boolean {
  return gitignorePattern(pattern)?.test(path) ?? false;
}

describe('gitignorePattern', () => {
  it('matches a bare name at any depth, and everything under it', () => {
    expect(matches('uploads', 'uploads')).toBe(true);
    expect(matches('uploads/', 'uploads/a/b.png')).toBe(true);
    expect(matches('uploads', 'src/uploads/x')).toBe(true);
    expect(matches('uploads', 'src/my-uploads/x')).toBe(false);
  });

  it('anchors a pattern with a slash to the project folder', () => {
    expect(matches('/tmp', 'tmp/x')).toBe(true);
    expect(matches('/tmp', 'src/tmp/x')).toBe(false);
    expect(matches('build/out', 'build/out/a.js')).toBe(true);
    expect(matches('build/out', 'x/build/out/a.js')).toBe(false);
  });

  it('keeps * and ? within a segment and lets ** span segments', () => {
    expect(matches('*.log', 'logs/today.log')).toBe(true);
    expect(matches('*.log', 'today.log.ts')).toBe(false);
    expect(matches('src/*.gen.ts', 'src/a.gen.ts')).toBe(true);
    expect(matches('src/*.gen.ts', 'src/deep/a.gen.ts')).toBe(false);
    expect(matches('src/**/*.gen.ts', 'src/deep/er/a.gen.ts')).toBe(true);
    expect(matches('src/**/*.gen.ts', 'src/a.gen.ts')).toBe(true);
    expect(matches('file?.txt', 'file1.txt')).toBe(true);
    expect(matches('file?.txt', 'file10.txt')).toBe(false);
  });

  it('skips comments, blank lines and negations', () => {
    expect(gitignorePattern('# comment')).toBeUndefined();
    expect(gitignorePattern('   ')).toBeUndefined();
    expect(gitignorePattern('!keep.log')).toBeUndefined();
  });
});

describe('WatchFilter', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-watch-'));
    writeFileSync(join(dir, '.gitignore'), '# generated\nuploads/\n*.log\n!important.log\n/out\n');
    mkdirSync(join(dir, 'files', 'private', '.basalt'), { recursive: true });
    mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ignores built-in folders, .gitignore entries, storage folders and SQLite files', () => {
    const filter = new WatchFilter({ cwd: dir, env: { STORAGE_ASSETS_URL: 'file:./assets' } });
    for (const file of [
      'node_modules/x/index.js',
      '.git/HEAD',
      'data/private/invoice.pdf',
      'dist/app.js',
      'uploads/a.png',
      'server.log',
      'important.log',
      'out/x.js',
      'media/covers/a.png',
      'assets/logo.png',
      'files/private/2026/ab/cd.pdf',
      'app.db',
      'app.db-wal',
    ])
      expect(filter.ignores(join(dir, file)), file).toBe(true);
  });

  it('lets source files through', () => {
    const filter = new WatchFilter({ cwd: dir, env: { STORAGE_URL: 's3://bucket/media' } });
    for (const file of ['app.ts', 'src/lib/util.ts', 'src/out/x.ts', 'media/readme.md', 'files/public.ts'])
      expect(filter.ignores(join(dir, file)), file).toBe(false);
    expect(filter.storageRoots).toEqual([]);
  });
});
