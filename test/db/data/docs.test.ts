import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { models } from '../../../examples/bookshop/models.js';
import { dumpData, loadData } from '../../../src/db/data/index.js';
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js';

const CATALOGUE = new URL('../../../examples/bookshop/fixtures/catalogue.json', import.meta.url);

// The "From code" example of docs/fixtures.md, run as written against the bookshop catalogue.
describe('docs/fixtures.md', () => {
  let dir: string;
  let source: TestDatabase;
  let target: TestDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-fixtures-doc-'));
    source = await createTestDatabase({ models });
    target = await createTestDatabase({ models });
    await loadData(source.db, JSON.parse(await readFile(CATALOGUE, 'utf8')));
  });
  afterEach(async () => {
    await source.close();
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the dumpData/loadData example', async () => {
    const db = source.db;
    const other = target.db;
    const file = join(dir, 'catalogue.json');

    const fixtures = await dumpData(db, { models: ['author', 'tag', 'book'] });
    await writeFile(file, JSON.stringify(fixtures, null, 2));

    const { count, models: loaded } = await loadData(other, JSON.parse(await readFile(file, 'utf8')));
    expect({ count, loaded }).toEqual({ count: 13, loaded: { author: 4, tag: 4, book: 5 } });
  });

  it('loads the bookshop catalogue with its tags and unicode names', async () => {
    const { Book, Author } = await import('../../../examples/bookshop/models.js');
    expect(await source.db.query(Book).count()).toBe(5);
    expect((await source.db.get(Author, 2)).name).toBe('Stanisław Lem');
    const solaris = (await dumpData(source.db, { models: ['book'] })).find((r) => r.pk === 3);
    expect(solaris?.fields.tags).toEqual([2, 3, 4]);
  });
});
