import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { dialects } from './fixtures/dialects.js';
import { Author, Book, models, Tag } from './fixtures/models.js';

describe.each(dialects)('smoke on $name', (dialect) => {
  let db: Database<(typeof models)[number]>;
  beforeAll(async () => {
    if (dialect.skip) return;
    db = await dialect.open(models);
  });
  afterAll(async () => {
    await db?.close();
  });
  it.skipIf(dialect.skip)('creates and reads back', async () => {
    const a = await db.create(Author, { name: 'Ursula K. Le Guin' });
    const t1 = await db.create(Tag, { name: 'scifi' });
    const b = await db.create(Book, {
      title: 'The Dispossessed',
      isbn: '123',
      price: '9.90',
      authorId: a.id,
      tags: [t1.id],
      publishedOn: '1974-05-01',
    });
    expect(b).toMatchObject({
      title: 'The Dispossessed',
      price: '9.90',
      status: 'draft',
      inStock: true,
      publishedOn: '1974-05-01',
    });
    expect(b.createdAt).toBeInstanceOf(Date);
    const rows = await db
      .query(Book)
      .where({ author: { name: { contains: 'Le Guin' } } })
      .include('author', 'tags', 'reviews')
      .all();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.author.name).toBe('Ursula K. Le Guin');
    expect(rows[0]!.tags.map((t) => t.name)).toEqual(['scifi']);
    expect(rows[0]!.reviews).toEqual([]);
    const authors = await db.query(Author).include('books').all();
    expect(authors[0]!.books).toHaveLength(1);
  });
});
