import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FieldsShape, ModelOptions } from '../../../src/db/index.js';
import { defineModel, f } from '../../../src/db/index.js';
import type { ModelMeta } from '../../../src/db/meta.js';
import { detectChanges } from '../../../src/db/migrations/autodetector.js';
import { makeMigrations } from '../../../src/db/migrations/makemigrations.js';
import { stateFromModels } from '../../../src/db/migrations/state.js';

const IMPORT_FROM = fileURLToPath(new URL('../../../src/db/migrations/index.ts', import.meta.url));

const author = (extra = {}) => defineModel('author', { name: f.string({ max: 120 }), ...extra });

function book(fields: FieldsShape = {}, options: ModelOptions = {}): { meta: ModelMeta } {
  const shape: FieldsShape = {
    title: f.string({ max: 50 }),
    author: f.belongsTo(() => author(), { onDelete: 'cascade' }),
    ...fields,
  };
  return defineModel('book', shape, options as never);
}

async function diff(before: { meta: ModelMeta }[], after: { meta: ModelMeta }[], renames = {}) {
  const ops = await detectChanges(stateFromModels(before), stateFromModels(after), renames);
  return ops.map((o) => o.toCode());
}

describe('the autodetector', () => {
  it('creates models with the targets of foreign keys first', async () => {
    const ops = await detectChanges(stateFromModels([]), stateFromModels([book(), author()]));
    expect(ops.map((o) => o.describe())).toEqual(['Create model author', 'Create model book']);
    expect(ops[1]!.toCode()).toContain(
      "author: { kind: 'belongsTo', index: true, target: 'author', onDelete: 'cascade' }",
    );
  });

  it('adds, alters and removes fields', async () => {
    expect(await diff([author(), book()], [author(), book({ stock: f.integer({ default: 0 }) })])).toEqual([
      "addField('book', 'stock', { kind: 'integer', default: 0 })",
    ]);
    const longer = defineModel('book', {
      title: f.string({ max: 200 }),
      author: f.belongsTo(() => author(), { onDelete: 'cascade' }),
    });
    expect(await diff([author(), book()], [author(), longer])).toEqual([
      "alterField('book', 'title', { kind: 'string', max: 200 })",
    ]);
    expect(await diff([author(), book({ stock: f.integer() })], [author(), book()])).toEqual([
      "removeField('book', 'stock')",
    ]);
  });

  it('treats a removed and an added field as remove + add unless told it is a rename', async () => {
    const before = [author({ bio: f.text() }), book()];
    const after = [author({ about: f.text() }), book()];
    expect(await diff(before, after)).toEqual([
      "removeField('author', 'bio')",
      "addField('author', 'about', { kind: 'text' })",
    ]);
    expect(await diff(before, after, { fields: { 'author.bio': 'about' } })).toEqual([
      "renameField('author', 'bio', 'about')",
    ]);
    const warnings: string[] = [];
    await detectChanges(stateFromModels(before), stateFromModels(after), {
      fields: { 'author.bio': 'about', 'author.nope': 'x' },
      warn: (w) => warnings.push(w),
    });
    expect(warnings).toEqual(['--rename author.nope=x matches no removed and added field']);
    const questions: string[] = [];
    const ask = async (q: string) => {
      questions.push(q);
      return true;
    };
    expect(await diff(before, after, { ask })).toEqual(["renameField('author', 'bio', 'about')"]);
    expect(questions).toEqual(['Did you rename author.bio to author.about? [y/N]']);
  });

  it('renames a model when told so', async () => {
    const writer = defineModel('writer', { name: f.string({ max: 120 }) });
    expect(await diff([author()], [writer], { models: { author: 'writer' } })).toEqual([
      "renameModel('author', 'writer')",
    ]);
    const ops = await detectChanges(stateFromModels([author()]), stateFromModels([writer]));
    expect(ops.map((o) => o.describe())).toEqual(['Create model writer', 'Delete model author']);
    const asked = await detectChanges(stateFromModels([author()]), stateFromModels([writer]), {
      ask: async () => true,
    });
    expect(asked.map((o) => o.describe())).toEqual(['Rename model author to writer']);
  });

  it('gives a NOT NULL field added to an existing model a one-off fill value', async () => {
    const warnings: string[] = [];
    const before = stateFromModels([author()]);
    const after = stateFromModels([
      author({ joinedAt: f.datetime(), code: f.string({ max: 5 }), rank: f.integer() }),
    ]);
    const ops = await detectChanges(before, after, {
      askFill: async (_model, field) => (field === 'rank' ? 1 : undefined),
      warn: (m) => warnings.push(m),
    });
    const code = ops.map((o) => o.toCode());
    expect(code[0]).toMatch(
      /^addField\('author', 'joinedAt', \{ kind: 'datetime' \}, \{ fill: '\d{4}-\d\d-\d\dT[\d:.]+Z' \}\)$/,
    );
    expect(code.slice(1)).toEqual([
      "addField('author', 'code', { kind: 'string', max: 5 })",
      "addField('author', 'rank', { kind: 'integer' }, { fill: 1 })",
    ]);
    expect(warnings).toEqual([
      'author.code is NOT NULL without a default: give addField a { fill } value if the table holds rows',
    ]);
  });

  it('renames a table when only the table option changes', async () => {
    const moved = defineModel('author', { name: f.string({ max: 120 }) }, { table: 'people' });
    expect(await diff([author()], [moved])).toEqual(["renameModel('author', 'author', { table: 'people' })"]);
  });

  it('adds and removes indexes, unique-together and check constraints', async () => {
    const plain = [author(), book({ stock: f.integer() })];
    const rich = [
      author(),
      book(
        { stock: f.integer() },
        {
          indexes: [['author', 'stock']],
          unique: [['author', 'title']],
          checks: { stock_positive: 'stock >= 0' },
        },
      ),
    ];
    // The composite index starting with the foreign key serves its lookups: no index of its own.
    expect(await diff(plain, rich)).toEqual([
      "alterField('book', 'author', { kind: 'belongsTo', target: 'author', onDelete: 'cascade' })",
      "addIndex('book', { name: 'book_author_id_stock_idx', fields: ['author', 'stock'] })",
      "addConstraint('book', { type: 'unique', name: 'book_author_id_title_uniq', fields: ['author', 'title'] })",
      "addConstraint('book', { type: 'check', name: 'stock_positive', check: 'stock >= 0' })",
    ]);
    expect(await diff(rich, plain)).toEqual([
      "removeIndex('book', 'book_author_id_stock_idx')",
      "removeConstraint('book', 'book_author_id_title_uniq')",
      "removeConstraint('book', 'stock_positive')",
      "alterField('book', 'author', { kind: 'belongsTo', index: true, target: 'author', onDelete: 'cascade' })",
    ]);
  });

  it('deletes models pointing at others first', async () => {
    const ops = await detectChanges(stateFromModels([author(), book()]), stateFromModels([]));
    expect(ops.map((o) => o.describe())).toEqual(['Delete model book', 'Delete model author']);
  });
});

describe('makeMigrations', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'basalt-makemigrations-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('writes numbered, readable files that the next run reads back as "no changes"', async () => {
    const first = await makeMigrations({ folder, models: [author(), book()], importFrom: IMPORT_FROM });
    expect(first.name).toBe('0001_initial');
    const source = readFileSync(first.file!, 'utf8');
    expect(source).toContain(`import { createModel, defineMigration } from '${IMPORT_FROM}';`);
    expect(source).toContain('    // Create model author\n    createModel(');
    expect((await makeMigrations({ folder, models: [author(), book()], write: false })).operations).toEqual(
      [],
    );

    const second = await makeMigrations({
      folder,
      models: [author(), book({ isbn: f.string({ max: 13, optional: true }) })],
      importFrom: IMPORT_FROM,
    });
    expect(second.name).toBe('0002_add_field_isbn_to_book');
    expect(second.source).toContain("dependencies: ['0001_initial'],");
    const named = await makeMigrations({
      folder,
      models: [author(), book()],
      name: 'drop isbn',
      importFrom: IMPORT_FROM,
    });
    expect(named.name).toBe('0003_drop_isbn');
    expect((await makeMigrations({ folder, models: [author(), book()], write: false })).operations).toEqual(
      [],
    );
  });
});
