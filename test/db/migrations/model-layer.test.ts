import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, defineModel, f } from '../../../src/db/index.js';
import { detectChanges } from '../../../src/db/migrations/autodetector.js';
import { createMigrationRunner, defineMigration } from '../../../src/db/migrations/index.js';
import { stateFromModels } from '../../../src/db/migrations/state.js';
import type { TestDatabase } from './dialects.js';
import { dialects } from './dialects.js';

const Author = defineModel('author', { name: f.string({ max: 120 }) });
const Book = defineModel(
  'book',
  {
    title: f.string({ max: 200 }),
    price: f.decimal({ precision: 8, scale: 2 }),
    inStock: f.boolean({ default: true }),
    publishedAt: f.datetime({ optional: true }),
    meta: f.json({ optional: true }),
    format: f.enum({ choices: ['paper', 'ebook'], default: 'paper' }),
    author: f.belongsTo(() => Author, { onDelete: 'cascade', related: 'books' }),
  },
  { timestamps: true, indexes: [['author', 'title']] },
);

describe.each(dialects)('migrated tables under the query API on $name', ({ skip, fresh }) => {
  let t: TestDatabase;
  beforeEach(async () => {
    if (!skip) t = await fresh();
  });
  afterEach(async () => {
    if (!skip) await t.destroy();
  });

  it.skipIf(skip)('serve createDatabase() reads and writes of every mapped kind', async () => {
    const db = createDatabase({ url: t.url, models: [Author, Book] });
    try {
      const operations = await detectChanges(stateFromModels([]), stateFromModels([Author, Book]));
      const migrations = [{ ...defineMigration({ operations }), name: '0001_initial' }];
      await createMigrationRunner({ kysely: db.kysely, dialect: db.dialect, migrations }).migrate();
      const author = await db.create(Author, { name: 'Le Guin' });
      const when = new Date('2024-01-02T03:04:05.000Z');
      const book = await db.create(Book, {
        title: 'Earthsea',
        price: '12.50',
        publishedAt: when,
        meta: { tags: ['fantasy'] },
        authorId: author.id,
      });
      const read = await db.get(Book, book.id);
      expect(read).toMatchObject({ title: 'Earthsea', price: '12.50', inStock: true, format: 'paper' });
      expect(read.publishedAt?.toISOString()).toBe(when.toISOString());
      expect(read.meta).toEqual({ tags: ['fantasy'] });
      await db.delete(Author, author.id);
      expect(await db.query(Book).count()).toBe(0);
    } finally {
      await db.close();
    }
  });
});
