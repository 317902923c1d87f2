import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agg, createDatabase, type Database, sql } from '../../src/db/index.js';
import { Author, Book, models, Tag } from './fixtures/models.js';

// The examples of docs/queries.md and docs/transactions.md, run as written (SQLite in memory).
describe('docs examples', () => {
  let db: Database<(typeof models)[number]>;
  beforeAll(async () => {
    db = createDatabase({ url: 'sqlite::memory:', models });
    await db.createTables();
  });
  afterAll(() => db.close());

  it('runs the writing examples of docs/queries.md', async () => {
    await db.createMany(Tag, [{ name: 'sf' }, { name: 'classic' }]);
    const author = await db.create(Author, { name: 'Ursula K. Le Guin' });
    const book = await db.create(Book, {
      title: 'The Dispossessed',
      isbn: '9780061054884',
      price: '9.99',
      authorId: author.id,
      tags: [1, 2],
    });
    await db.update(Book, book.id, { price: '8.99' });
    expect(await db.updateMany(Book, { status: 'draft' }, { status: 'published' })).toBe(1);
    await db.upsert(Tag, { name: 'sf' }, { conflict: ['name'] });
    expect(await db.query(Tag).count()).toBe(2);
  });

  it('runs the reading examples of docs/queries.md', async () => {
    const cheap = await db
      .query(Book)
      .where({ price: { lt: 20 }, author: { name: { contains: 'Le Guin' } } })
      .orderBy('-publishedOn', 'title')
      .include('author', 'tags')
      .limit(20)
      .all();
    expect(cheap[0]?.tags.map((t) => t.name)).toEqual(['sf', 'classic']);
    expect(await db.get(Book, 1)).toMatchObject({ price: '8.99' });
    expect(await db.query(Book).where({ isbn: 'x' }).first()).toBeUndefined();
    expect(await db.query(Book).where({ status: 'published' }).count()).toBe(1);
    expect(await db.query(Book).where({ publishedOn: null }).exists()).toBe(true);
    expect(await db.query(Book).select('title', 'price').all()).toEqual([
      { title: 'The Dispossessed', price: '8.99' },
    ]);
    const first = await db.query(Book).orderBy('price').page({ limit: 20 });
    const next = await db.query(Book).orderBy('price').page({ limit: 20, after: first.nextCursor });
    expect([first.hasMore, next.items.length]).toEqual([false, 1]);
    const { n, total } = await db.query(Book).aggregate({ n: agg.count(), total: agg.sum('price') });
    expect([n, total]).toEqual([1, '8.99']);
    const perAuthor = await db
      .query(Book)
      .groupBy('authorId')
      .aggregate({ n: agg.count(), avg: agg.avg('price') });
    expect(perAuthor).toEqual([{ authorId: 1, n: 1, avg: '8.99' }]);
    expect((await sql<{ one: number }>`select 1 as one`.execute(db.kysely)).rows).toEqual([{ one: 1 }]);
  });
});
