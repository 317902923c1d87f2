import { describe, expectTypeOf, it } from 'vitest';
import { agg, type Database, type Infer, type Page } from '../../src/db/index.js';
import type { models, Tag } from './fixtures/models.js';
import { Author, Book, Review } from './fixtures/models.js';

declare const db: Database<(typeof models)[number]>;

describe('query types', () => {
  it('checks where keys and values against the model', () => {
    db.query(Book).where({ price: { lt: '20' }, title: { contains: 'x' }, publishedOn: null });
    db.query(Book).where({
      author: { name: { icontains: 'le guin' } },
      or: [{ pages: { gte: 100 } }, { pages: null }],
    });
    db.query(Book).where({ reviews: { rating: { gte: 4 } } });
    // @ts-expect-error unknown field
    db.query(Book).where({ nope: 1 });
    // @ts-expect-error wrong value type
    db.query(Book).where({ pages: 'many' });
    // @ts-expect-error text lookups only on strings
    db.query(Book).where({ pages: { contains: '1' } });
    // @ts-expect-error unknown field on the related model
    db.query(Book).where({ author: { title: 'x' } });
  });

  it('types orderBy keys', () => {
    db.query(Book).orderBy('-publishedOn', 'title', 'createdAt');
    // @ts-expect-error unknown field
    db.query(Book).orderBy('-nope');
  });

  it('narrows the row with select and adds relations with include', async () => {
    expectTypeOf(await db.query(Book).all()).toEqualTypeOf<Infer<typeof Book>[]>();
    expectTypeOf(await db.query(Book).select('title', 'price').first()).toEqualTypeOf<
      { title: string; price: string } | undefined
    >();
    const rows = await db.query(Book).include('author', 'tags', 'reviews').all();
    expectTypeOf(rows[0]!.author).toEqualTypeOf<Infer<typeof Author>>();
    expectTypeOf(rows[0]!.tags).toEqualTypeOf<Infer<typeof Tag>[]>();
    expectTypeOf(rows[0]!.reviews).toEqualTypeOf<Infer<typeof Review>[]>();
    expectTypeOf(rows[0]!.title).toEqualTypeOf<string>();
    // @ts-expect-error not a relation
    db.query(Book).include('title');
    const nested = await db.query(Author).include('books.tags', 'books.author').first();
    expectTypeOf(nested!.books[0]!.tags).toEqualTypeOf<Infer<typeof Tag>[]>();
    expectTypeOf(nested!.books[0]!.author).toEqualTypeOf<Infer<typeof Author>>();
    expectTypeOf(nested!.books[0]!.price).toEqualTypeOf<string>();
    const up = await db.query(Review).include('book.author').first();
    expectTypeOf(up!.book.author.name).toEqualTypeOf<string>();
    // @ts-expect-error not a relation of the related model
    db.query(Author).include('books.title');
    expectTypeOf(await db.query(Book).page({ limit: 2 })).toEqualTypeOf<Page<Infer<typeof Book>>>();
    expectTypeOf(await db.get(Book, 1)).toEqualTypeOf<Infer<typeof Book>>();
  });

  it('types aggregates', async () => {
    const one = await db.query(Book).aggregate({
      n: agg.count(),
      total: agg.sum('price'),
      pages: agg.avg('pages'),
      last: agg.max('publishedOn'),
    });
    expectTypeOf(one).toEqualTypeOf<{
      n: number;
      total: string | null;
      pages: number | null;
      last: string | null;
    }>();
    const grouped = await db.query(Book).groupBy('authorId').aggregate({ n: agg.count() });
    expectTypeOf(grouped).toEqualTypeOf<Array<{ authorId: number } & { n: number }>>();
    // @ts-expect-error unknown field
    db.query(Book).aggregate({ x: agg.sum('nope') });
  });

  it('types model operations', async () => {
    expectTypeOf(await db.create(Book, { title: 't', isbn: 'i', price: '1.00', authorId: 1 })).toEqualTypeOf<
      Infer<typeof Book>
    >();
    // @ts-expect-error missing required fields
    await db.create(Book, { title: 't' });
    // @ts-expect-error decimals are strings
    await db.update(Book, 1, { price: 1.5 });
    // @ts-expect-error the id of an integer-keyed model is a number
    await db.delete(Book, 'x');
    expectTypeOf(
      await db.updateMany(Book, { price: { lt: '1' } }, { inStock: false }),
    ).toEqualTypeOf<number>();
  });
});

describe('decimal filters', () => {
  it('accepts numbers when filtering decimals, but not when writing them', () => {
    db.query(Book).where({ price: { lt: 20 } });
    db.query(Book).where({ price: 9.9 });
    // @ts-expect-error numbers are for decimals only
    db.query(Book).where({ title: 5 });
  });
});
