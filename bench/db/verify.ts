import { isDeepStrictEqual } from 'node:util';
import { type Implementation, type ImplementationName, PAGE_SIZE } from './implementations.js';
import { bookChanges, seedBook } from './schema.js';
import type { BenchTarget } from './setup.js';

export type Operation = 'get' | 'list' | 'insert' | 'update';

/** What every implementation returned for one operation and input. */
export interface Comparison {
  operation: Operation;
  input: string;
  results: Partial<Record<ImplementationName, unknown>>;
}

function withoutId(row: unknown): unknown {
  const { id: _id, ...rest } = row as Record<string, unknown>;
  return rest;
}

async function errorOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'no error';
  } catch {
    return 'throws';
  }
}

/**
 * Runs every operation through every implementation on a few inputs (first, middle and
 * last rows and pages, a missing key) and collects the results side by side. Every
 * implementation applies the same write in turn, so each one reads the same rows.
 */
export async function compareImplementations(target: BenchTarget): Promise<Comparison[]> {
  const { books, authors } = target.seed;
  const ids = [1, Math.ceil(books / 2), books];
  const offsets = [0, PAGE_SIZE * Math.floor(books / PAGE_SIZE / 2), books - PAGE_SIZE, books];
  const comparisons: Comparison[] = [];
  const each = async (
    operation: Operation,
    input: string,
    run: (impl: Implementation) => Promise<unknown>,
  ) => {
    const results: Comparison['results'] = {};
    for (const impl of target.implementations) results[impl.name] = await run(impl);
    comparisons.push({ operation, input, results });
  };
  for (const id of ids) await each('get', `id ${id}`, (impl) => impl.get(id));
  await each('get', 'missing id', (impl) => errorOf(() => impl.get(books * 10)));
  for (const offset of offsets) await each('list', `offset ${offset}`, (impl) => impl.list(offset));
  const book = seedBook(books + 1, authors);
  // Each insert gets a new id; the rest of the stored row must be identical.
  await each('insert', 'a new book', async (impl) => withoutId(await impl.insert(book)));
  for (const id of ids) await each('update', `id ${id}`, (impl) => impl.update(id, bookChanges(id)));
  await each('update', 'missing id', (impl) => errorOf(() => impl.update(books * 10, bookChanges(1))));
  return comparisons;
}

/** Human-readable differences from the first implementation's results; empty when all agree. */
export function mismatches(comparisons: Comparison[]): string[] {
  const out: string[] = [];
  for (const { operation, input, results } of comparisons) {
    const [reference, ...others] = Object.entries(results);
    if (!reference) continue;
    for (const [name, value] of others) {
      if (!isDeepStrictEqual(value, reference[1])) {
        out.push(
          `${operation} (${input}): ${name} returned ${JSON.stringify(value)}, ${reference[0]} returned ${JSON.stringify(reference[1])}`,
        );
      }
    }
  }
  return out;
}
