import type { Implementation, ImplementationName } from './implementations.js';
import { PAGE_SIZE } from './implementations.js';
import { bookChanges, seedBook } from './schema.js';
import type { Operation } from './verify.js';

export type Mode = 'sequential' | 'concurrent';

/** Timings of one operation through one implementation. */
export interface Measurement {
  operation: Operation;
  implementation: ImplementationName;
  mode: Mode;
  concurrency: number;
  iterations: number;
  /** Operations per second: iterations over the summed (sequential) or wall-clock (concurrent) time. */
  opsPerSecond: number;
  /** Latency of one call, in microseconds. */
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

export interface MeasureOptions {
  iterations: Record<Operation, number>;
  warmup: number;
  /** Implementations take turns in this many rounds, so drift in machine load hits them alike. */
  rounds: number;
  mode: Mode;
  concurrency: number;
  seed: { authors: number; books: number };
}

type Call = (i: number) => Promise<unknown>;

/** The call for iteration `i`: inputs cycle the same way for every implementation. */
function callFor(impl: Implementation, operation: Operation, seed: MeasureOptions['seed']): Call {
  const { books, authors } = seed;
  // 7919 is prime and coprime with the seed size, so ids and pages are spread over the table.
  const id = (i: number) => 1 + ((i * 7_919) % books);
  const pages = Math.floor(books / PAGE_SIZE);
  switch (operation) {
    case 'get':
      return (i) => impl.get(id(i));
    case 'list':
      return (i) => impl.list(PAGE_SIZE * ((i * 7_919) % pages));
    case 'insert':
      return (i) => impl.insert(seedBook(books + 1 + (i % 100_000), authors));
    case 'update':
      return (i) => impl.update(id(i), bookChanges(i));
  }
}

interface Batch {
  durations: number[];
  elapsedNs: bigint;
}

async function runBatch(call: Call, start: number, count: number, concurrency: number): Promise<Batch> {
  const durations = new Array<number>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const k = next++;
      const t0 = process.hrtime.bigint();
      await call(start + k);
      durations[k] = Number(process.hrtime.bigint() - t0);
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { durations, elapsedNs: process.hrtime.bigint() - t0 };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Times each implementation of `operation`: a warm-up, then the iterations split into
 * rounds in which the implementations take turns (the starting one rotates).
 */
export async function measureOperation(
  implementations: readonly Implementation[],
  operation: Operation,
  options: MeasureOptions,
): Promise<Measurement[]> {
  const concurrency = options.mode === 'concurrent' ? options.concurrency : 1;
  const calls = implementations.map((impl) => callFor(impl, operation, options.seed));
  for (const call of calls) await runBatch(call, 0, options.warmup, concurrency);
  const total = options.iterations[operation];
  const perRound = Math.max(1, Math.ceil(total / options.rounds));
  const durations = implementations.map(() => [] as number[]);
  const elapsed = implementations.map(() => 0n);
  for (let round = 0, done = 0; done < total; round++, done += perRound) {
    const count = Math.min(perRound, total - done);
    for (let k = 0; k < implementations.length; k++) {
      const index = (k + round) % implementations.length;
      const batch = await runBatch(calls[index]!, options.warmup + done, count, concurrency);
      durations[index]!.push(...batch.durations);
      elapsed[index]! += batch.elapsedNs;
    }
  }
  return implementations.map((impl, index) => {
    const sorted = Float64Array.from(durations[index]!).sort();
    const sum = sorted.reduce((a, b) => a + b, 0);
    const wall = options.mode === 'concurrent' ? Number(elapsed[index]) : sum;
    return {
      operation,
      implementation: impl.name,
      mode: options.mode,
      concurrency,
      iterations: sorted.length,
      opsPerSecond: sorted.length / (wall / 1e9),
      meanUs: sum / sorted.length / 1e3,
      p50Us: percentile(sorted, 50) / 1e3,
      p99Us: percentile(sorted, 99) / 1e3,
    };
  });
}
