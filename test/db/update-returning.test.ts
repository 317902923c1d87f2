import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, defineModel, f, UniqueViolationError } from '../../src/db/index.js';
import { dialects } from './fixtures/dialects.js';

// db.update answers the updated row. When it writes every column of a model whose values
// come back from the database unchanged (integers, booleans, strings), it answers with the
// values it wrote and sends a plain UPDATE; otherwise the row comes back with RETURNING.
const Tally = defineModel('upd_tally', {
  n: f.integer(),
  label: f.string({ max: 20, unique: true }),
  on: f.boolean({ default: false }),
  note: f.text({ nullable: true, optional: true }),
  kind: f.enum({ choices: ['a', 'b'], default: 'a' }),
});
const Priced = defineModel('upd_priced', { n: f.integer(), price: f.decimal({ precision: 6, scale: 2 }) });

describe.each(dialects)('db.update on $name', (dialect) => {
  let db: Database<typeof Tally | typeof Priced>;
  let logged: string[] = [];
  beforeAll(async () => {
    if (dialect.skip) return;
    db = await dialect.open([Tally, Priced], (event) => logged.push(event.query.sql));
    await db.createMany(Tally, [
      { n: 1, label: 'one' },
      { n: 2, label: 'two' },
    ]);
    await db.create(Priced, { n: 1, price: '1.00' });
  });
  afterAll(async () => {
    if (!dialect.skip) await db.close();
  });
  const updates = () => logged.filter((text) => text.startsWith('update'));

  it.skipIf(dialect.skip)(
    'writing every column sends no RETURNING and answers the row as stored',
    async () => {
      logged = [];
      const written = await db.update(Tally, 1, { n: 10, label: 'ten', on: true, note: null, kind: 'b' });
      expect(updates()).toHaveLength(1);
      expect(updates()[0]).not.toMatch(/returning/i);
      expect(written).toEqual(await db.query(Tally).get(1));
      expect(written).toEqual({ id: 1, n: 10, label: 'ten', on: true, note: null, kind: 'b' });
      // The key as the caller gave it, read back as the database has it.
      const byText = await db.update(Tally, '1' as never, {
        n: 11,
        label: 'ten',
        on: false,
        note: 'x',
        kind: 'a',
      });
      expect(byText).toEqual(await db.query(Tally).get(1));
    },
  );

  it.skipIf(dialect.skip)('a missing row is NotFound and a constraint violation is mapped', async () => {
    await expect(
      db.update(Tally, 999, { n: 1, label: 'none', on: false, note: null, kind: 'a' }),
    ).rejects.toMatchObject({ code: 'BASALT_DB_RECORD_NOT_FOUND' });
    await expect(
      db.update(Tally, 2, { n: 2, label: 'ten', on: false, note: null, kind: 'a' }),
    ).rejects.toBeInstanceOf(UniqueViolationError);
    expect((await db.query(Tally).get(2)).label).toBe('two');
  });

  it.skipIf(dialect.skip)(
    'a partial update, or a column the database may normalise, reads the row back',
    async () => {
      logged = [];
      const partial = await db.update(Tally, 2, { n: 20 });
      expect(partial).toEqual({ id: 2, n: 20, label: 'two', on: false, note: null, kind: 'a' });
      const priced = await db.update(Priced, 1, { n: 2, price: '3.5' });
      // numeric(6, 2) stores 3.50: the answer is the stored value, not the one written.
      expect(priced).toEqual({ id: 1, n: 2, price: '3.50' });
      expect(updates()).toHaveLength(2);
      for (const text of updates()) expect(text).toMatch(/returning/i);
    },
  );
});
