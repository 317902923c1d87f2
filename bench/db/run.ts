import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Measurement, type MeasureOptions, type Mode, measureOperation } from './measure.js';
import { machineInfo, markdownReport, tableRows, textTable, verdicts } from './report.js';
import { FULL_SEED } from './schema.js';
import { type BenchTarget, DEFAULT_POSTGRES_URL, ensurePostgres, openPostgres, openSqlite } from './setup.js';
import { compareImplementations, mismatches, type Operation } from './verify.js';

const USAGE = `Usage: node --conditions=basalt-source --import tsx bench/db/run.ts [--quick] [--dialect sqlite|postgres]

Times get by primary key, a list of 20 with a belongsTo included, insert and update through
Basalt, raw Kysely and the raw driver, and writes bench/results/<date>-db.md.
PostgreSQL: BENCH_DATABASE_URL, else ${DEFAULT_POSTGRES_URL}.`;

const OPERATIONS: readonly Operation[] = ['get', 'list', 'insert', 'update'];
const FULL_ITERATIONS: Record<Operation, number> = {
  get: 30_000,
  list: 10_000,
  insert: 5_000,
  update: 5_000,
};
const CONCURRENCY = 16;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    dialect: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
if (flags.dialect !== undefined && flags.dialect !== 'sqlite' && flags.dialect !== 'postgres') {
  console.error(`--dialect must be sqlite or postgres\n\n${USAGE}`);
  process.exit(2);
}
const dialects = flags.dialect ? [flags.dialect] : ['sqlite', 'postgres'];
const quick = flags.quick;
const iterations = Object.fromEntries(
  OPERATIONS.map((op) => [op, quick ? FULL_ITERATIONS[op] / 10 : FULL_ITERATIONS[op]]),
) as Record<Operation, number>;
const postgresUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_POSTGRES_URL;

const log = (message: string) => process.stderr.write(`${message}\n`);
const open = new Set<BenchTarget>();

// Ctrl-C still drops the PostgreSQL schema and the temp SQLite file.
process.once('SIGINT', () => {
  log('interrupted: cleaning up');
  void Promise.allSettled([...open].map((t) => t.close())).then(() => process.exit(130));
});

async function openTarget(dialect: string): Promise<BenchTarget | string> {
  if (dialect === 'sqlite') return openSqlite(FULL_SEED);
  const reason = await ensurePostgres(postgresUrl);
  if (reason) return reason;
  return openPostgres(postgresUrl, FULL_SEED);
}

async function bench(target: BenchTarget): Promise<Measurement[]> {
  const problems = mismatches(await compareImplementations(target));
  if (problems.length > 0) {
    throw new Error(
      `${target.dialect}: the implementations disagree, so their timings are not comparable and are not reported:\n  ${problems.join('\n  ')}`,
    );
  }
  log(`${target.dialect}: the three implementations return the same data`);
  const modes: Mode[] = target.dialect === 'postgres' ? ['sequential', 'concurrent'] : ['sequential'];
  const measurements: Measurement[] = [];
  for (const mode of modes) {
    for (const operation of OPERATIONS) {
      const options: MeasureOptions = {
        iterations,
        warmup: Math.min(500, Math.ceil(iterations[operation] / 5)),
        rounds: 5,
        mode,
        concurrency: CONCURRENCY,
        seed: target.seed,
      };
      const started = Date.now();
      measurements.push(...(await measureOperation(target.implementations, operation, options)));
      log(`${target.dialect} ${mode} ${operation}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  }
  return measurements;
}

const machine = machineInfo();
const results = new Map<string, Measurement[]>();
const versions: string[] = [];
const skipped: string[] = [];
for (const dialect of dialects) {
  const target = await openTarget(dialect);
  if (typeof target === 'string') {
    log(`SKIPPING the PostgreSQL half: ${target}`);
    skipped.push(`PostgreSQL — ${target}`);
    continue;
  }
  open.add(target);
  try {
    log(
      `${dialect}: seeded ${target.seed.authors} authors and ${target.seed.books} books (${target.version})`,
    );
    results.set(dialect, await bench(target));
    versions.push(target.version);
  } catch (error) {
    log((error as Error).message);
    process.exitCode = 1;
  } finally {
    await target.close();
    open.delete(target);
  }
}
if (process.exitCode === 1) {
  log('No results written: see the error above.');
  process.exit(1);
}

const rows = tableRows(results);
console.log(textTable(rows));
console.log(`\n${verdicts(rows).join('\n')}`);
const command = `npm run bench:db${flags.dialect || quick ? ' --' : ''}${quick ? ' --quick' : ''}${flags.dialect ? ` --dialect ${flags.dialect}` : ''}`;
const report = markdownReport({
  machine,
  command,
  quick,
  versions,
  seed: FULL_SEED,
  iterations,
  skipped,
  rows,
  loadAfter: loadavg()
    .map((n) => n.toFixed(2))
    .join(' '),
});
const dir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}${machine.date.slice(0, 10)}-db.md`;
writeFileSync(file, report);
log(`\nwritten ${file}`);
