import { describe, expectTypeOf, it } from 'vitest';
import type { Database, Infer, Transaction } from '../../src/db/index.js';
import type { models } from './fixtures/models.js';
import { Author, Book } from './fixtures/models.js';

declare const db: Database<(typeof models)[number]>;
declare const tx: Transaction<(typeof models)[number]>;

describe('row lock types', () => {
  it('keeps the query type and takes at most one of skipLocked and noWait', () => {
    expectTypeOf(tx.query(Book).forUpdate().get(1)).toEqualTypeOf<Promise<Infer<typeof Book>>>();
    expectTypeOf(tx.query(Book).select('title').forShare({ skipLocked: true }).all()).toEqualTypeOf<
      Promise<{ title: string }[]>
    >();
    tx.query(Book).forUpdate({ noWait: true });
    tx.query(Book).forUpdate({});
    // @ts-expect-error skipLocked and noWait exclude each other
    tx.query(Book).forUpdate({ skipLocked: true, noWait: true });
    // @ts-expect-error unknown option
    tx.query(Book).forUpdate({ wait: false });
  });

  it('takes transaction options', () => {
    expectTypeOf(db.transaction(async () => 1, { readOnly: true })).toEqualTypeOf<Promise<number>>();
    // @ts-expect-error unknown option
    db.transaction(async () => 1, { isolation: 'serializable' });
  });
});

describe('bulkUpdate types', () => {
  it('takes rows read from a query and answers a count', async () => {
    const books = await db.query(Book).all();
    expectTypeOf(db.bulkUpdate(Book, books, ['price', 'title'])).toEqualTypeOf<Promise<number>>();
    db.bulkUpdate(Author, [{ id: 1, name: 'Ann', bio: null }], ['name', 'bio'], { batchSize: 100 });
  });

  it('checks fields and each row against the model', () => {
    // @ts-expect-error unknown field
    db.bulkUpdate(Author, [{ id: 1, name: 'Ann' }], ['nickname']);
    // @ts-expect-error a row without a listed field
    db.bulkUpdate(Author, [{ id: 1 }], ['name']);
    // @ts-expect-error a row without its key
    db.bulkUpdate(Author, [{ name: 'Ann' }], ['name']);
    // @ts-expect-error a value of the wrong type
    db.bulkUpdate(Author, [{ id: 1, name: 42 }], ['name']);
  });
});
