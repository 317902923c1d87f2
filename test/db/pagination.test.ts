import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { dialects } from './fixtures/dialects.js';
import { Author, Book, models } from './fixtures/models.js';

describe.each(dialects)('cursor pagination on $name', (dialect) => {
  let db: Database<(typeof models)[number]>;
  beforeAll(async () => {
    if (dialect.skip) return;
    db = await dialect.open(models);
    const a = await db.create(Author, { name: 'a' });
    await db.createMany(
      Book,
      Array.from({ length: 23 }, (_, i) => ({
        title: `B${String(i).padStart(2, '0')}`,
        isbn: `p${i}`,
        price: ['5.00', '7.50', '10.00'][i % 3]!,
        publishedOn: i % 4 === 0 ? null : `2020-01-0${1 + (i % 3)}`,
        authorId: a.id,
      })),
    );
  });
  afterAll(async () => {
    await db?.close();
  });

  async function walk(order: Parameters<ReturnType<typeof db.query<typeof Book>>['orderBy']>, limit: number) {
    const seen: { id: number; price: string; publishedOn: string | null }[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<ReturnType<typeof db.query<typeof Book>>['page']>> = await db
        .query(Book)
        .orderBy(...order)
        .page({ limit, after });
      seen.push(...page.items);
      after = page.nextCursor;
      pages++;
      expect(page.hasMore).toBe(after !== null);
    } while (after && pages < 50);
    return seen;
  }

  it.skipIf(dialect.skip)('walks every row exactly once across ties, in order', async () => {
    const all = await db.query(Book).orderBy('price', 'id').all();
    const seen = await walk(['price'], 4);
    expect(seen.map((b) => b.id)).toEqual(all.map((b) => b.id));
  });

  it.skipIf(dialect.skip)('handles descending order and NULLs in the ordering field', async () => {
    const all = await db.query(Book).orderBy('-publishedOn', '-price', 'id').all();
    const seen = await walk(['-publishedOn', '-price'], 5);
    expect(seen.map((b) => b.id)).toEqual(all.map((b) => b.id));
    expect(new Set(seen.map((b) => b.id)).size).toBe(23);
    const asc = await walk(['publishedOn'], 3);
    expect(asc.map((b) => b.id)).toEqual(
      (await db.query(Book).orderBy('publishedOn', 'id').all()).map((b) => b.id),
    );
    expect(asc[0]!.publishedOn).toBeNull();
  });

  it.skipIf(dialect.skip)('combines a cursor with filters', async () => {
    const first = await db.query(Book).where({ price: '5.00' }).orderBy('title').page({ limit: 3 });
    expect(first.items.map((b) => b.title)).toEqual(['B00', 'B03', 'B06']);
    const second = await db
      .query(Book)
      .where({ price: '5.00' })
      .orderBy('title')
      .page({ limit: 3, after: first.nextCursor });
    expect(second.items.map((b) => b.title)).toEqual(['B09', 'B12', 'B15']);
  });
});
