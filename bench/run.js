#!/usr/bin/env node
// Runs benchmark suites: each implementation in its own process, in turn, under the same
// autocannon load; prints req/s, latency and ratios to the baselines; saves a markdown report.
//
//   npm run bench                      every suite, 10 s per implementation (and per test)
//   npm run bench:quick                every suite, 3 s per implementation (and per test)
//   node bench/run.js --suite techempower   the TechEmpower types on five frameworks
//   node bench/run.js --suite http --duration 20 --rounds 3
import { mkdir, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds } from './lib/cpu.js';
import { runLoad } from './lib/load.js';
import { runMatrixSuite } from './lib/matrix.js';
import { machineInfo, markdownTable, tableCells, targetLine, textTable } from './lib/report.js';
import { NODE_ARGS, ROOT, startServer } from './lib/servers.js';
import { shapeOf } from './lib/verify.js';
import { suites } from './suites/index.js';

const USAGE = `Usage: node bench/run.js [options]

  --suite <name>        run only this suite (repeatable; known: ${Object.keys(suites).join(', ')})
  --quick               short run: 3 s measured, 1 s warm-up per implementation
  --duration <s>        measured seconds per implementation and test (default 10)
  --warmup <s>          unmeasured seconds before each measurement (default 3)
  --connections <n>     concurrent connections (default 50)
  --pipelining <n>      requests in flight per connection (default 1)
  --rounds <n>          measure every implementation n times, alternating, report medians (default 1)
  --workers <n>         processes per implementation in suites that support it (techempower;
                        node:cluster workers; default 1, a single process)
  --verify-only         check every implementation answers correctly, measure nothing
  --no-save             print only; do not write bench/results/<date>-<suite>.md
  --note <text>         a sentence about the conditions of this run, added to the results file
  --help`;

const { values: args } = parseArgs({
  options: {
    suite: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    pipelining: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1' },
    'verify-only': { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
    note: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const settings = {
  duration: Number(args.duration ?? (args.quick ? 3 : 10)),
  warmup: Number(args.warmup ?? (args.quick ? 1 : 3)),
  connections: Number(args.connections),
  pipelining: Number(args.pipelining),
  rounds: Number(args.rounds),
  workers: Number(args.workers),
};
for (const [name, value] of Object.entries(settings)) {
  if (!Number.isFinite(value) || value < 0 || (name !== 'warmup' && value < 1)) {
    console.error(`Invalid --${name}: ${value}\n\n${USAGE}`);
    process.exit(2);
  }
}

const selected = args.suite ?? Object.keys(suites);
for (const name of selected) {
  if (!suites[name]) {
    console.error(`Unknown suite "${name}"; known: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Starts every implementation, checks it answers the suite's requests correctly and that all
 * give the same JSON shape. Returns the failures; a suite with any is not measured.
 *
 * @param {import('./suites/suite.js').Suite} suite
 */
async function verifySuite(suite) {
  const failures = [];
  const shapes = [];
  for (const implementation of suite.implementations) {
    let server;
    try {
      server = await startServer(implementation, { env: suite.env });
      const body = await suite.verify(server.url, implementation.name);
      shapes.push({ name: implementation.name, shape: JSON.stringify(shapeOf(body)) });
      console.log(`  ✓ ${implementation.name} answers correctly`);
    } catch (error) {
      failures.push(`${implementation.name}: ${error.message}`);
      console.log(`  ✗ ${implementation.name}: ${error.message}`);
    } finally {
      await server?.stop();
    }
  }
  const distinct = new Set(shapes.map((s) => s.shape));
  if (distinct.size > 1) {
    failures.push(
      `the implementations answer different JSON shapes:\n${shapes.map((s) => `    ${s.name}: ${s.shape}`).join('\n')}`,
    );
  }
  return failures;
}

/**
 * One measurement: a fresh process, a warm-up, then the measured run.
 *
 * @param {import('./suites/suite.js').Suite} suite
 * @param {import('./suites/suite.js').Suite['implementations'][number]} implementation
 */
async function measure(suite, implementation) {
  const server = await startServer(implementation, { env: suite.env });
  try {
    const load = {
      url: server.url,
      request: { ...suite.request, ...(await suite.prepare?.(server.url, implementation.name)) },
      connections: settings.connections,
      pipelining: settings.pipelining,
    };
    if (settings.warmup > 0) await runLoad({ ...load, duration: settings.warmup });
    const cpuBefore = await cpuSeconds(server.pid);
    const result = await runLoad({ ...load, duration: settings.duration });
    const cpuAfter = await cpuSeconds(server.pid);
    const cpuPerRequest =
      cpuBefore === undefined || cpuAfter === undefined || result.total === 0
        ? Number.NaN
        : ((cpuAfter - cpuBefore) * 1e6) / result.total;
    return { ...result, cpuPerRequest };
  } finally {
    await server.stop();
  }
}

/** @param {import('./suites/suite.js').Suite} suite */
async function runSuite(suite) {
  console.log(`\n## ${suite.name}: ${suite.title}\n\nVerifying implementations…`);
  const failures = await verifySuite(suite);
  if (failures.length > 0) {
    console.error(
      `\nRefusing to measure suite "${suite.name}": an implementation is broken.\n  ${failures.join('\n  ')}`,
    );
    return false;
  }
  if (args['verify-only']) return true;

  const startLoad = machineInfo().loadAverage;
  /** @type {Map<string, import('./lib/load.js').LoadResult[]>} */
  const samples = new Map(suite.implementations.map((i) => [i.name, []]));
  for (let round = 0; round < settings.rounds; round += 1) {
    // Rotating the order each round spreads drift (thermal, other processes) across implementations.
    const order = suite.implementations.map((_, i, all) => all[(i + round) % all.length]);
    for (const implementation of order) {
      const label = settings.rounds > 1 ? ` (round ${round + 1}/${settings.rounds})` : '';
      process.stdout.write(
        `Measuring ${implementation.name}${label}: ${settings.warmup}s warm-up + ${settings.duration}s… `,
      );
      const result = await measure(suite, implementation);
      samples.get(implementation.name)?.push(result);
      const cpu = Number.isFinite(result.cpuPerRequest)
        ? `, ${result.cpuPerRequest.toFixed(1)} µs CPU/req`
        : '';
      console.log(
        `${Math.round(result.requestsPerSec).toLocaleString('en-US')} req/s, p99 ${result.p99} ms${cpu}`,
      );
      await sleep(1_000);
    }
  }

  const rows = suite.implementations.map(({ name }) => {
    const runs = samples.get(name) ?? [];
    const pick = (key) => median(runs.map((r) => r[key]));
    return {
      name,
      rounds: runs.length,
      requestsPerSec: pick('requestsPerSec'),
      p50: pick('p50'),
      p99: pick('p99'),
      cpuPerRequest: pick('cpuPerRequest'),
      total: runs.reduce((sum, r) => sum + r.total, 0),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    };
  });
  const cells = tableCells(rows, suite.baselines);
  const verdict = targetLine(rows, suite.target);
  const faulty = rows.filter((r) => r.errors > 0 || r.non2xx > 0).map((r) => r.name);
  console.log(`\n${textTable(cells)}\n`);
  if (verdict) console.log(verdict);
  if (faulty.length > 0)
    console.log(
      `Warning: errors or non-2xx answers under load from ${faulty.join(', ')}; their numbers are not comparable.`,
    );

  if (!args['no-save']) {
    const machine = machineInfo();
    const file = resolve(ROOT, 'bench', 'results', `${machine.date.slice(0, 10)}-${suite.name}.md`);
    await mkdir(resolve(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(file, markdownReport({ suite, cells, verdict, faulty, machine, startLoad, samples }));
    console.log(`Saved ${relative(ROOT, file)}`);
  }
  return faulty.length === 0;
}

function markdownReport({ suite, cells, verdict, faulty, machine, startLoad, samples }) {
  const command = `node bench/run.js ${process.argv
    .slice(2)
    .map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg))
    .join(' ')}`.trim();
  const perRound = [...samples]
    .map(([name, runs]) => {
      const list = runs.map(
        (r) =>
          `${Math.round(r.requestsPerSec).toLocaleString('en-US')} req/s (${r.cpuPerRequest.toFixed(1)} µs CPU/req)`,
      );
      return `- ${name}: ${list.join(', ')}`;
    })
    .join('\n');
  return `# Benchmark: ${suite.name} — ${suite.title}

${suite.description}

${markdownTable(cells)}

${verdict ? `**${verdict}**\n\n` : ''}${faulty.length > 0 ? `**Warning:** errors or non-2xx answers under load from ${faulty.join(', ')}; their numbers are not comparable.\n\n` : ''}\`÷ X\` is requests per second divided by X's requests per second in this same run (1.00 = as fast as X).
\`CPU µs/req\` is the CPU time (user + system, from /proc) the server process used during the measured
run divided by the requests it answered; \`CPU ÷ X\` compares it with X (below 1.00 = cheaper than X).
It is disturbed less than req/s by other load on the machine, since it does not count time spent waiting for a core.
Latencies are autocannon's percentiles over the measured run, in whole milliseconds${settings.rounds > 1 ? `; every number is the median of ${settings.rounds} rounds` : ''}.

${args.note ? `## Conditions of this run\n\n${args.note}\n\n` : ''}## Every measurement

${perRound}

## Implementations

${suite.implementations.map((i) => `- **${i.name}** (\`${i.entry}\`): ${i.description}`).join('\n')}

Each runs alone in its own process, one after the other, started as \`node ${NODE_ARGS.join(' ')} <entry>\` with \`NODE_ENV=production\`, on 127.0.0.1.
Before any load every implementation was checked to answer the good request with the same JSON shape and bad requests with 400.

## Settings

- command: \`${command}\`
- load: autocannon, ${settings.connections} connections, pipelining ${settings.pipelining}, ${settings.warmup} s warm-up then ${settings.duration} s measured, ${settings.rounds} round(s)
- request: \`${suite.request.method} ${suite.request.path}\`

## Machine

- date: ${machine.date}
- CPU: ${machine.cpu}, ${machine.cores} logical cores, ${machine.memory} RAM
- OS: ${machine.os}
- Node: ${machine.node}
- load average (1, 5, 15 min) before: ${startLoad}; after: ${machine.loadAverage}

## Caveats

- The load generator (autocannon, one thread) runs on the same machine and shares its
  ${machine.cores} cores with the server, so absolute req/s are far below what the server
  alone would do; compare the ratios, which all implementations bear the same way.
- Any other work on the machine (builds, tests) during the run adds noise; a load average
  well above 0 at the start means the numbers are noisier than usual. Re-run before
  drawing conclusions from differences of a few percent.
`;
}

let ok = true;
for (const name of selected) {
  const suite = suites[name];
  // A suite with several tests (TechEmpower) starts each implementation once for all of them.
  const passed =
    'tests' in suite
      ? await runMatrixSuite(/** @type {any} */ (suite), settings, {
          verifyOnly: args['verify-only'],
          quick: args.quick,
          save: !args['no-save'],
          note: args.note,
          command: `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
        })
      : await runSuite(suite);
  ok = passed && ok;
}
process.exit(ok ? 0 : 1);
