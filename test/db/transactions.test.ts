import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { dialects } from './fixtures/dialects.js';
import { Author, allModels, Book } from './fixtures/models.js';

describe.each(dialects)('transactions on $name', (dialect) => {
  let db: Database<(typeof allModels)[number]>;
  const names = async () => (await db.query(Author).orderBy('name').all()).map((a) => a.name);

  beforeAll(async () => {
    if (dialect.skip) return;
    db = await dialect.open(allModels);
  });
  afterAll(async () => {
    await db?.close();
  });

  it.skipIf(dialect.skip)('commits, and rolls back and re-throws on an exception', async () => {
    await db.deleteMany(Author, {});
    const result = await db.transaction(async (tx) => {
      expect(tx.inTransaction).toBe(true);
      await tx.create(Author, { name: 'kept' });
      return 42;
    });
    expect(result).toBe(42);
    await expect(
      db.transaction(async (tx) => {
        await tx.create(Author, { name: 'lost' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await names()).toEqual(['kept']);
  });

  it.skipIf(dialect.skip)('rolls back a failed savepoint and keeps the outer work', async () => {
    await db.deleteMany(Author, {});
    await db.transaction(async (tx) => {
      await tx.create(Author, { name: 'outer' });
      await expect(
        tx.transaction(async (inner) => {
          await inner.create(Author, { name: 'inner' });
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await tx.transaction(async (inner) => {
        await inner.create(Author, { name: 'inner ok' });
        await inner.transaction(async (deeper) => {
          await deeper.create(Author, { name: 'deeper' });
        });
      });
    });
    expect(await names()).toEqual(['deeper', 'inner ok', 'outer']);
  });

  it.skipIf(dialect.skip)('keeps working after a constraint error inside a savepoint', async () => {
    await db.deleteMany(Author, {});
    await db.transaction(async (tx) => {
      const a = await tx.create(Author, { name: 'a', email: 'a@example.com' });
      await expect(
        tx.transaction((inner) => inner.create(Author, { name: 'b', email: 'a@example.com' })),
      ).rejects.toMatchObject({
        code: 'BASALT_DB_UNIQUE_VIOLATION',
      });
      await tx.create(Book, { title: 'after', isbn: 'after', price: '1.00', authorId: a.id });
    });
    expect(await db.query(Book).where({ isbn: 'after' }).exists()).toBe(true);
  });

  it.skipIf(dialect.skip)('runs afterCommit callbacks after the outermost commit only', async () => {
    const calls: string[] = [];
    await db.transaction(async (tx) => {
      await tx.afterCommit(() => calls.push('outer'));
      await tx.transaction(async (inner) => {
        await inner.afterCommit(() => calls.push('inner'));
        expect(calls).toEqual([]);
      });
      await tx
        .transaction(async (inner) => {
          await inner.afterCommit(() => calls.push('rolled back savepoint'));
          throw new Error('no');
        })
        .catch(() => undefined);
      expect(calls).toEqual([]);
    });
    expect(calls).toEqual(['outer', 'inner']);
    await db
      .transaction(async (tx) => {
        await tx.afterCommit(() => calls.push('never'));
        throw new Error('rollback');
      })
      .catch(() => undefined);
    expect(calls).toEqual(['outer', 'inner']);
    await db.afterCommit(() => calls.push('now'));
    expect(calls).toEqual(['outer', 'inner', 'now']);
  });

  it.skipIf(dialect.skip)(
    'fails fast when SQLite code uses db instead of tx inside a transaction',
    async () => {
      const outside = db.transaction(async () => db.query(Author).count());
      if (dialect.name === 'sqlite')
        await expect(outside).rejects.toMatchObject({ code: 'BASALT_DB_CONNECTION_HELD' });
      else expect(await outside).toBeTypeOf('number');
      expect(await db.query(Author).count()).toBeTypeOf('number');
    },
  );

  it.skipIf(dialect.skip)('runs concurrent transactions without interleaving their writes', async () => {
    await db.deleteMany(Author, {});
    const runs = Array.from({ length: 5 }, (_, i) =>
      db.transaction(async (tx) => {
        await tx.create(Author, { name: `t${i}-1` });
        await new Promise((r) => setTimeout(r, 5));
        await tx.create(Author, { name: `t${i}-2` });
        if (i % 2 === 1) throw new Error(`fail ${i}`);
      }),
    );
    const results = await Promise.allSettled(runs);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(await names()).toEqual(['t0-1', 't0-2', 't2-1', 't2-2', 't4-1', 't4-2']);
  });
});
