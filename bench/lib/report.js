// Turns measurements into the table printed on the terminal and the markdown results file.
import { cpus, loadavg, release, totalmem, type } from 'node:os';

/**
 * @typedef {import('./load.js').LoadResult & { name: string, rounds: number, cpuPerRequest: number }} Row
 */

/** What the numbers were measured on. */
export function machineInfo() {
  const cores = cpus();
  return {
    date: new Date().toISOString(),
    cpu: cores[0]?.model ?? 'unknown',
    cores: cores.length,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverage: loadavg()
      .map((n) => n.toFixed(2))
      .join(' '),
  };
}

const fixed = (n, digits) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/**
 * Rows of cells: one per implementation, with req/s divided by each baseline's req/s.
 *
 * @param {Row[]} rows
 * @param {string[]} baselines
 */
export function tableCells(rows, baselines) {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const header = [
    'implementation',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'non-2xx',
    ...baselines.map((b) => `÷ ${b}`),
    'CPU µs/req',
    ...baselines.map((b) => `CPU ÷ ${b}`),
  ];
  const body = rows.map((row) => [
    row.name,
    Math.round(row.requestsPerSec).toLocaleString('en-US'),
    fixed(row.p50, 1),
    fixed(row.p99, 1),
    String(row.errors),
    String(row.non2xx),
    ...baselines.map((b) => {
      const base = byName.get(b);
      return base ? fixed(row.requestsPerSec / base.requestsPerSec, 2) : 'n/a';
    }),
    fixed(row.cpuPerRequest, 1),
    ...baselines.map((b) => {
      const base = byName.get(b);
      return base ? fixed(row.cpuPerRequest / base.cpuPerRequest, 2) : 'n/a';
    }),
  ]);
  return [header, ...body];
}

/** A fixed-width table for the terminal. */
export function textTable(cells) {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

/** A GitHub-flavoured markdown table. */
export function markdownTable(cells) {
  const row = (cells) => `| ${cells.join(' | ')} |`;
  const align = cells[0].map((_, i) => (i === 0 ? ':--' : '--:'));
  return [row(cells[0]), row(align), ...cells.slice(1).map(row)].join('\n');
}

/**
 * The verdict line for a suite's target ratio, e.g. `basalt ÷ fastify = 0.93 (target ≥ 0.90): met`.
 *
 * @param {Row[]} rows
 * @param {{ implementation: string, baseline: string, ratio: number } | undefined} target
 */
export function targetLine(rows, target) {
  if (!target) return undefined;
  const subject = rows.find((r) => r.name === target.implementation);
  const base = rows.find((r) => r.name === target.baseline);
  if (!subject || !base) return undefined;
  const ratio = subject.requestsPerSec / base.requestsPerSec;
  const verdict = ratio >= target.ratio ? 'met' : 'NOT met';
  return `${target.implementation} ÷ ${target.baseline} = ${ratio.toFixed(2)} (target ≥ ${target.ratio.toFixed(2)}): ${verdict}`;
}
