import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, sep } from 'node:path';
import type { Measurement } from './measure.js';

/** Basalt's overhead over raw Kysely that issue 3 accepts, as a time ratio. */
export const TARGET_RATIO = 1.15;

/** Where and when the numbers were taken. */
export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  kysely: string;
  commit: string;
  loadAverage: string;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Kysely's installed version (its package.json is not in its exports map). */
function kyselyVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('kysely');
    const root = entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`));
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    kysely: kyselyVersion(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    loadAverage: loadavg()
      .map((n) => n.toFixed(2))
      .join(' '),
  };
}

/** One line of the results table. */
export interface Row {
  dialect: string;
  measurement: Measurement;
  /** This implementation's time per operation over raw Kysely's (1.10 = 10% slower). */
  vsKysely: number | null;
  vsDriver: number | null;
  /** The same as `vsKysely` on median latency, which load spikes on a shared machine move less. */
  vsKyselyP50: number | null;
}

function ratio(of: Measurement, to: Measurement | undefined): number | null {
  return to ? to.opsPerSecond / of.opsPerSecond : null;
}

/** Adds the ratios to the raw implementations of the same dialect, mode and operation. */
export function tableRows(results: ReadonlyMap<string, Measurement[]>): Row[] {
  const rows: Row[] = [];
  for (const [dialect, measurements] of results) {
    for (const m of measurements) {
      const peer = (name: string) =>
        measurements.find(
          (o) => o.implementation === name && o.operation === m.operation && o.mode === m.mode,
        );
      const kysely = peer('kysely');
      rows.push({
        dialect,
        measurement: m,
        vsKysely: ratio(m, kysely),
        vsDriver: ratio(m, peer('driver')),
        vsKyselyP50: kysely ? m.p50Us / kysely.p50Us : null,
      });
    }
  }
  return rows;
}

const HEADERS = [
  'dialect',
  'mode',
  'op',
  'impl',
  'ops/s',
  'mean µs',
  'p50 µs',
  'p99 µs',
  '÷ kysely',
  '÷ driver',
  '÷ kysely p50',
];

function cells(row: Row): string[] {
  const m = row.measurement;
  const times = (r: number | null) => (r === null ? '–' : `${r.toFixed(2)}×`);
  return [
    row.dialect,
    m.mode === 'concurrent' ? `${m.concurrency} in flight` : 'sequential',
    m.operation,
    m.implementation,
    Math.round(m.opsPerSecond).toLocaleString('en-US'),
    m.meanUs.toFixed(1),
    m.p50Us.toFixed(1),
    m.p99Us.toFixed(1),
    times(row.vsKysely),
    times(row.vsDriver),
    times(row.vsKyselyP50),
  ];
}

/** The results as an aligned plain-text table, for stdout. */
export function textTable(rows: Row[]): string {
  const lines = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const right = (i: number) => i >= 4;
  return lines
    .map((l) => l.map((c, i) => (right(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

/** The results as a markdown table. */
export function markdownTable(rows: Row[]): string {
  const align = HEADERS.map((_, i) => (i >= 4 ? '---:' : '---'));
  return [HEADERS, align, ...rows.map(cells)].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

/** One line per dialect, mode and operation: Basalt's overhead over raw Kysely against the target. */
export function verdicts(rows: Row[]): string[] {
  return rows
    .filter((r) => r.measurement.implementation === 'basalt' && r.vsKysely !== null)
    .map((r) => {
      const m = r.measurement;
      const overhead = (r.vsKysely! - 1) * 100;
      const ok = r.vsKysely! <= TARGET_RATIO;
      const mode = m.mode === 'concurrent' ? `${m.concurrency} in flight` : 'sequential';
      const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}%`;
      const median = r.vsKyselyP50 === null ? '' : `; median latency ${signed((r.vsKyselyP50 - 1) * 100)}`;
      return `${ok ? 'ok  ' : 'OVER'} ${r.dialect} ${mode} ${m.operation}: Basalt ${signed(overhead)} vs raw Kysely (target ≤ +${Math.round((TARGET_RATIO - 1) * 100)}%)${median}`;
    });
}

export interface ReportInput {
  machine: MachineInfo;
  command: string;
  quick: boolean;
  versions: string[];
  seed: { authors: number; books: number };
  iterations: Record<string, number>;
  skipped: string[];
  rows: Row[];
  loadAfter: string;
}

/** The markdown results file. */
export function markdownReport(input: ReportInput): string {
  const { machine } = input;
  const iterations = Object.entries(input.iterations)
    .map(([op, n]) => `${op} ${n.toLocaleString('en-US')}`)
    .join(', ');
  return `# Data-layer benchmark — ${machine.date.slice(0, 10)}

Basalt's query API vs the same operations through raw Kysely and through the raw driver
(better-sqlite3 prepared statements, pg parameterised queries). See \`bench/db/README.md\`.

- Command: \`${input.command}\`${input.quick ? ' (quick: fewer iterations, numbers are indicative only)' : ''}
- Date: ${machine.date}; commit ${machine.commit}
- CPU: ${machine.cpu}, ${machine.cores} cores; ${machine.memoryGb} GB RAM; ${machine.os}
- Node ${machine.node}; Kysely ${machine.kysely}; ${input.versions.join('; ')}
- Data: ${input.seed.authors.toLocaleString('en-US')} authors, ${input.seed.books.toLocaleString('en-US')} books; iterations per implementation: ${iterations}
- Load average (1, 5, 15 min) before: ${machine.loadAverage}; after: ${input.loadAfter}
- Basalt runs from \`src/\` through tsx (Kysely from its built JavaScript); tsx adds a small per-closure cost
  the \`tsc\` build does not have (see \`bench/db/README.md\`), so these ratios are on the strict side.
- **Noise:** this machine has ${machine.cores} cores shared with other work (tests, builds, other benchmarks) during the run;
  differences of a few percent are within the noise. Compare ratios, not absolute numbers, and re-run before concluding.
${input.skipped.map((s) => `- Skipped: ${s}\n`).join('')}
\`÷ kysely\` and \`÷ driver\` are time per operation relative to raw Kysely and the raw driver of the
same dialect and mode (1.10× = 10% slower), from ops/s; \`÷ kysely p50\` compares median latencies, which
load spikes move less. Target (issue 3): Basalt ≤ ${TARGET_RATIO.toFixed(2)}× raw Kysely, judged on \`÷ kysely\`.

${markdownTable(input.rows)}

## Basalt vs raw Kysely

${verdicts(input.rows)
  .map((v) => `- ${v}`)
  .join('\n')}
`;
}
