import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { dialects } from './fixtures/dialects.js';
import { Author, allModels } from './fixtures/models.js';

describe.each(dialects)('afterRollback on $name', (dialect) => {
  let db: Database<(typeof allModels)[number]>;

  beforeAll(async () => {
    if (dialect.skip) return;
    db = await dialect.open(allModels);
  });
  afterAll(async () => {
    await db?.close();
  });

  it.skipIf(dialect.skip)('runs after a failed transaction rolls back, never after a commit', async () => {
    const events: string[] = [];
    await db.transaction(async (tx) => {
      await tx.create(Author, { name: 'kept' });
      await tx.afterRollback(() => events.push('rolled back (kept)'));
      await tx.afterCommit(() => events.push('committed (kept)'));
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.afterRollback(async () => {
          // Runs after the rollback: the row is already gone.
          events.push(
            `rolled back, rows named lost: ${await db.query(Author).where({ name: 'lost' }).count()}`,
          );
        });
        await tx.afterCommit(() => events.push('committed (lost)'));
        await tx.create(Author, { name: 'lost' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(events).toEqual(['committed (kept)', 'rolled back, rows named lost: 0']);
  });

  it.skipIf(dialect.skip)(
    "runs a failed savepoint's callbacks at once, and hands a released one's to its parent",
    async () => {
      const events: string[] = [];
      await expect(
        db.transaction(async (tx) => {
          await expect(
            tx.transaction(async (inner) => {
              await inner.afterRollback(() => events.push('inner rolled back'));
              throw new Error('inner fails');
            }),
          ).rejects.toThrow('inner fails');
          expect(events).toEqual(['inner rolled back']);
          await tx.transaction(async (inner) => {
            await inner.afterRollback(() => events.push('released savepoint, outer rolled back'));
          });
          expect(events).toEqual(['inner rolled back']);
          throw new Error('outer fails');
        }),
      ).rejects.toThrow('outer fails');
      expect(events).toEqual(['inner rolled back', 'released savepoint, outer rolled back']);
    },
  );

  it.skipIf(dialect.skip)(
    "keeps the transaction's error when a callback fails, and never runs outside a transaction",
    async () => {
      let ran = false;
      await expect(
        db.transaction(async (tx) => {
          await tx.afterRollback(() => {
            throw new Error('clean-up failed');
          });
          await tx.afterRollback(() => {
            ran = true;
          });
          throw new Error('the real error');
        }),
      ).rejects.toThrow('the real error');
      expect(ran).toBe(true);
      let outside = false;
      await db.afterRollback(() => {
        outside = true;
      });
      expect(outside).toBe(false);
    },
  );
});
