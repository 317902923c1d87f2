import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from '../../../src/db/data/fixture.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const APP = ['--app', 'examples/bookshop/app.ts'];
const CATALOGUE = 'examples/bookshop/fixtures/catalogue.json';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function basalt(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['bin/basalt.js', ...args, ...APP],
      { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

describe('the data commands through bin/basalt.js', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-data-cli-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'app.db')}` };
    expect((await basalt(['migrate'], env)).code).toBe(0);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the bookshop catalogue and dumps it back', async () => {
    const loaded = await basalt(['loaddata', CATALOGUE], env);
    expect(loaded).toMatchObject({ code: 0, stdout: 'Installed 16 object(s) from 1 fixture\n' });
    const again = await basalt(['loaddata', CATALOGUE], env);
    expect(again.code).toBe(0);

    const dumped = await basalt(['dumpdata', 'book', 'tag', '--indent', '0'], env);
    expect(dumped.code).toBe(0);
    const records = JSON.parse(dumped.stdout) as Fixture[];
    expect(records.filter((r) => r.model === 'book')).toHaveLength(5);
    expect(records.map((r) => r.model)).not.toContain('author');
    expect(records.find((r) => r.model === 'book' && r.pk === 3)?.fields).toMatchObject({
      title: 'Solaris',
      price: '13.95',
      author: 2,
      tags: [2, 3, 4],
    });

    const file = join(dir, 'all.json');
    const written = await basalt(['dumpdata', '--output', file], env);
    expect(written).toMatchObject({ code: 0, stdout: '' });
    expect(written.stderr).toContain('Dumped 16 records');
    const expected = JSON.parse(readFileSync(join(root, CATALOGUE), 'utf8')) as Fixture[];
    const all = JSON.parse(readFileSync(file, 'utf8')) as Fixture[];
    for (const record of expected)
      expect(all.find((r) => r.model === record.model && r.pk === record.pk)?.fields).toMatchObject(
        record.fields,
      );
  }, 120_000);

  it('rejects a bad fixture file, naming file, record and field, and writes nothing', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify([
        { model: 'tag', pk: 50, fields: { name: 'not-written' } },
        { model: 'book', pk: 50, fields: { title: 'X', isbn: 'nope', price: '1.00', author: 1 } },
      ]),
    );
    const result = await basalt(['loaddata', bad], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `loaddata: ${bad}: Fixture record #1, model 'book', pk 50, field 'isbn': ISBN must be 10 or 13 digits`,
    );
    const tags = JSON.parse((await basalt(['dumpdata', 'tag'], env)).stdout) as Fixture[];
    expect(tags.map((t) => t.pk)).not.toContain(50);
  }, 60_000);

  it('dbshell names the package to install when the client is missing', async () => {
    const empty = join(dir, 'empty-path');
    mkdirSync(empty, { recursive: true });
    const result = await basalt(['dbshell'], { ...env, PATH: empty });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("dbshell: 'sqlite3' was not found on PATH. Install the SQLite shell");
    expect(result.stderr).toContain('apt install sqlite3');
    const pg = await basalt(['dbshell'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PATH: empty });
    expect(pg.code).toBe(1);
    expect(pg.stderr).toContain("dbshell: 'psql' was not found on PATH. Install the PostgreSQL client");
    expect(pg.stderr).toContain('postgresql-client');
  }, 60_000);

  it('shell evaluates piped input with db, the models and top-level await', async () => {
    const input = [
      'console.log(typeof db.query, typeof Book, Book.name, typeof sql, app.definition.name)',
      'console.log("books:", await db.query(Book).count())',
      '.exit',
      '',
    ].join('\n');
    const result = await basalt(['shell'], env, input);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Basalt shell: app, db, sql, .*Author, Tag, Book/);
    expect(result.stdout).toContain('function object book function bookshop');
    expect(result.stdout).toContain('books: 5');
  }, 60_000);
});
