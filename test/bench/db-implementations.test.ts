import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedSize } from '../../bench/db/schema.js';
import { type BenchTarget, openPostgres, openSqlite } from '../../bench/db/setup.js';
import { type Comparison, compareImplementations, mismatches } from '../../bench/db/verify.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// Correctness only: the data-layer benchmark compares like with like only if Basalt, raw
// Kysely and the raw driver return the same data. No timing is asserted (see bench/db/README.md).

const SMALL: SeedSize = { authors: 30, books: 200 };

const cases = [
  { name: 'sqlite', skip: false, open: () => openSqlite(SMALL) },
  { name: 'postgres', skip: !hasPostgres, open: () => openPostgres(POSTGRES_URL, SMALL) },
];

describe.each(cases)('data-layer benchmark implementations on $name', ({ skip, open }) => {
  let target: BenchTarget | undefined;
  let comparisons: Comparison[] = [];

  beforeAll(async () => {
    if (skip) return;
    target = await open();
    comparisons = await compareImplementations(target);
  }, 60_000);

  afterAll(async () => {
    await target?.close();
  });

  it.skipIf(skip)('runs Basalt, raw Kysely and the raw driver', () => {
    expect(target?.implementations.map((i) => i.name)).toEqual(['basalt', 'kysely', 'driver']);
  });

  it.skipIf(skip).each(['get', 'list', 'insert', 'update'])(
    'returns the same data from every implementation for %s',
    (op) => {
      const forOp = comparisons.filter((c) => c.operation === op);
      expect(forOp.length).toBeGreaterThan(0);
      for (const { input, results } of forOp) {
        expect(results.kysely, `${op} ${input}: kysely`).toEqual(results.basalt);
        expect(results.driver, `${op} ${input}: driver`).toEqual(results.basalt);
      }
    },
  );

  it.skipIf(skip)('lists 20 books with their authors loaded', () => {
    const first = comparisons.find((c) => c.operation === 'list' && c.input === 'offset 0');
    const books = first?.results.basalt as Array<{ authorId: number; author: { id: number } | null }>;
    expect(books).toHaveLength(20);
    for (const book of books) expect(book.author?.id).toBe(book.authorId);
  });

  it.skipIf(skip)('throws for a missing key in every implementation', () => {
    for (const c of comparisons.filter((c) => c.input === 'missing id'))
      expect(Object.values(c.results)).toEqual(['throws', 'throws', 'throws']);
  });

  it.skipIf(skip)('reports no mismatch, so the bench may report timings', () => {
    expect(mismatches(comparisons)).toEqual([]);
  });
});

describe('data-layer benchmark verification', () => {
  it('reports a difference between implementations, which stops the bench', () => {
    const comparisons: Comparison[] = [
      {
        operation: 'get',
        input: 'id 1',
        results: { basalt: { id: 1, price: '9.50' }, kysely: { id: 1, price: 9.5 } },
      },
    ];
    expect(mismatches(comparisons)).toEqual([
      'get (id 1): kysely returned {"id":1,"price":9.5}, basalt returned {"id":1,"price":"9.50"}',
    ]);
  });
});
