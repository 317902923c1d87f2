import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FieldsShape } from '../../../src/db/index.js';
import { defineModel, f } from '../../../src/db/index.js';
import { makeMigrations } from '../../../src/db/migrations/makemigrations.js';
import { fakeApp, IMPORT_FROM, runCommand } from './command-harness.js';
import type { TestDatabase } from './dialects.js';
import { dialects } from './dialects.js';
import { rows } from './fixture-history.js';

const author = defineModel('author', { name: f.string({ max: 120 }) });
const book = (fields: FieldsShape) =>
  defineModel('book', { author: f.belongsTo(() => author, { onDelete: 'cascade' }), ...fields });

const DATA_MIGRATION = `import { defineMigration, runCode, runSQL } from '${IMPORT_FROM}';

export default defineMigration({
  dependencies: ['0001_initial'],
  operations: [
    runSQL({ sqlite: 'UPDATE book SET title = trim(title)', postgres: 'UPDATE book SET title = btrim(title)' }),
    runCode({ description: 'Tidy titles', forwards: async () => {} }),
  ],
});
`;

describe.each(dialects)('the migration commands on $name', ({ name: dialect, skip, fresh }) => {
  let t: TestDatabase;
  let folder: string;
  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'basalt-commands-'));
    if (!skip) t = await fresh();
  });
  afterEach(async () => {
    rmSync(folder, { recursive: true, force: true });
    if (!skip) await t.destroy();
  });

  it.skipIf(skip)('makemigrations --check, migrate, showmigrations and a flagged rename', async () => {
    const v1 = [author, book({ title: f.string({ max: 50 }) })];
    let app = fakeApp(folder, t.url, v1);
    const check = await runCommand(app, 'makemigrations', [], { check: true });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('Models have changes without a migration (0001_initial)');
    expect(readdirSync(folder)).toEqual([]);

    await makeMigrations({ folder, models: v1, importFrom: IMPORT_FROM });
    expect((await runCommand(app, 'makemigrations', [], { check: true })).code).toBe(0);
    expect((await runCommand(app, 'showmigrations')).stdout).toBe('[ ] 0001_initial\n');
    const migrated = await runCommand(app, 'migrate');
    expect(migrated).toMatchObject({ code: 0, stderr: '' });
    expect(migrated.stdout).toContain('Applying 0001_initial...');
    expect((await runCommand(app, 'showmigrations')).stdout).toBe('[X] 0001_initial\n');
    await sql`insert into author (name) values ('Le Guin')`.execute(t.kysely);
    await sql`insert into book (author_id, title) values (1, 'Earthsea')`.execute(t.kysely);

    app = fakeApp(folder, t.url, [author, book({ headline: f.string({ max: 50 }) })]);
    expect((await runCommand(app, 'makemigrations', [], { check: true })).code).toBe(1);
    const dry = await runCommand(app, 'makemigrations', [], { 'dry-run': true, 'no-input': true });
    expect(dry.stdout).toContain("removeField('book', 'title')");
    const made = await runCommand(app, 'makemigrations', ['title to headline'], {
      rename: ['book.title=headline'],
      'no-input': true,
    });
    expect(made.code).toBe(0);
    const file = join(folder, '0002_title_to_headline.ts');
    expect(readFileSync(file, 'utf8')).toContain("renameField('book', 'title', 'headline'),");
    expect((await runCommand(app, 'makemigrations', [], { check: true })).stdout).toBe(
      'No changes detected\n',
    );
    await runCommand(app, 'migrate');
    expect((await rows(t.kysely, 'book')).map((r) => r.headline)).toEqual(['Earthsea']);

    expect((await runCommand(app, 'migrate', ['0001_initial'])).code).toBe(0);
    expect((await rows(t.kysely, 'book')).map((r) => r.title)).toEqual(['Earthsea']);
    expect((await runCommand(app, 'showmigrations')).stdout).toBe(
      '[X] 0001_initial\n[ ] 0002_title_to_headline\n',
    );
    const unknown = await runCommand(app, 'migrate', ['0009_nope']);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: "basalt: No migration named '0009_nope'\n[BASALT_MIGRATION_NOT_FOUND]\n",
    });
  });

  it('sqlmigrate prints the SQL of a migration for each dialect without a database', async () => {
    const models = [author, book({ title: f.string({ max: 50 }), stock: f.integer({ default: 0 }) })];
    await makeMigrations({ folder, models, importFrom: IMPORT_FROM });
    const app = fakeApp(folder, 'sqlite:/nonexistent/dir/app.db', models);
    const out = await runCommand(app, 'sqlmigrate', ['0001'], { dialect });
    expect(out.code).toBe(0);
    if (dialect === 'sqlite') {
      expect(out.stdout).toContain('CREATE TABLE "author" (\n  "id" integer primary key autoincrement,');
      expect(out.stdout).toContain('"stock" integer NOT NULL DEFAULT 0');
      expect(out.stdout).toContain('PRAGMA foreign_key_check;');
    } else {
      expect(out.stdout).toContain('"id" integer generated by default as identity primary key');
      expect(out.stdout).toContain(
        '"author_id" integer NOT NULL CONSTRAINT "book_author_id_fkey" REFERENCES "author" ("id") ON DELETE CASCADE',
      );
      expect(out.stdout).toMatch(/^BEGIN;$/m);
    }
    const back = await runCommand(app, 'sqlmigrate', ['0001_initial'], { dialect, backwards: true });
    expect(back.stdout).toContain('DROP TABLE "book";\nDROP TABLE "author";');
    writeFileSync(join(folder, '0002_data.ts'), DATA_MIGRATION);
    const data = await runCommand(app, 'sqlmigrate', ['0002_data'], { dialect });
    expect(data.stdout).toContain('-- runCode: Tidy titles (JavaScript, not shown)');
    expect(data.stdout).toContain(
      dialect === 'sqlite' ? 'UPDATE book SET title = trim(title);' : 'UPDATE book SET title = btrim(title);',
    );
    const bad = await runCommand(app, 'sqlmigrate', ['0001'], { dialect: 'oracle' });
    expect(bad).toMatchObject({
      code: 1,
      stderr: "basalt: --dialect must be sqlite or postgres, got 'oracle'\n[BASALT_MIGRATION_INVALID]\n",
    });
  });
});
