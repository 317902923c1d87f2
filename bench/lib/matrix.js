// Runs a matrix suite (several tests × several implementations, e.g. the TechEmpower types):
// each implementation is started once per round and loaded with every test in turn. Besides
// req/s, latency and CPU per request it records start-up time to the first answer and the
// process's resident memory idle and under load.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { cpuSeconds } from './cpu.js';
import { runLoad } from './load.js';
import { machineInfo, markdownTable, tableCells, textTable } from './report.js';
import { NODE_ARGS, ROOT, startServer } from './servers.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const mib = (bytes) => (Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(1) : 'n/a');

/**
 * `pid` and its descendants (cluster workers), from /proc; just `pid` where that is missing.
 *
 * @param {number} pid
 * @returns {Promise<number[]>}
 */
export async function processTree(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i += 1) {
    const children = await readFile(`/proc/${all[i]}/task/${all[i]}/children`, 'utf8').catch(() => '');
    all.push(...children.split(' ').filter(Boolean).map(Number));
  }
  return all;
}

/** Resident memory per process of the tree under `pid`, in bytes. */
async function treeResident(pid) {
  return Promise.all((await processTree(pid)).map(residentBytes));
}

/** CPU seconds used by the whole tree under `pid`, or undefined where /proc is missing. */
async function treeCpuSeconds(pid) {
  const times = await Promise.all((await processTree(pid)).map(cpuSeconds));
  return times.some((t) => t === undefined) ? undefined : times.reduce((a, b) => a + (b ?? 0), 0);
}

/**
 * Resident memory of process `pid` in bytes (VmRSS from /proc), or NaN where /proc is missing.
 *
 * @param {number} pid
 */
export async function residentBytes(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts an implementation and measures the time from spawning it to its first 200 answer
 * on `readyPath`, then its resident memory once idle.
 *
 * @param {import('../suites/techempower.js').MatrixSuite} suite
 * @param {import('../suites/techempower.js').MatrixSuite['implementations'][number]} implementation
 */
async function startMeasured(suite, implementation, workers) {
  const started = performance.now();
  const server = await startServer(implementation, {
    timeoutMs: 60_000,
    env: { BENCH_WORKERS: String(workers) },
  });
  try {
    for (;;) {
      const answer = await fetch(server.url + suite.readyPath).catch(() => undefined);
      await answer?.arrayBuffer();
      if (answer?.status === 200) break;
      if (performance.now() - started > 60_000) throw new Error(`no 200 on ${suite.readyPath} after 60 s`);
      await sleep(20);
    }
    const startupMs = performance.now() - started;
    await sleep(1_000);
    const rss = await treeResident(server.pid);
    return { server, startupMs, idleRss: rss.reduce((a, b) => a + b, 0), processes: rss.length };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Loads one test and samples the server's memory while it runs. */
async function measureTest(server, request, settings) {
  const load = {
    url: server.url,
    request,
    connections: settings.connections,
    pipelining: settings.pipelining,
  };
  if (settings.warmup > 0) await runLoad({ ...load, duration: settings.warmup });
  // The tree's total resident memory: the process, or the cluster primary and its workers.
  const total = async () => (await treeResident(server.pid)).reduce((a, b) => a + b, 0);
  let peakRss = await total();
  const sampler = setInterval(() => {
    void total().then((rss) => {
      if (rss > peakRss || !Number.isFinite(peakRss)) peakRss = rss;
    });
  }, 200);
  const cpuBefore = await treeCpuSeconds(server.pid);
  let result;
  try {
    result = await runLoad({ ...load, duration: settings.duration });
  } finally {
    clearInterval(sampler);
  }
  const cpuAfter = await treeCpuSeconds(server.pid);
  const cpuPerRequest =
    cpuBefore === undefined || cpuAfter === undefined || result.total === 0
      ? Number.NaN
      : ((cpuAfter - cpuBefore) * 1e6) / result.total;
  return { ...result, cpuPerRequest, peakRss };
}

/**
 * Verifies, measures and reports a matrix suite. Returns false when an implementation is
 * broken or answered errors under load.
 *
 * @param {import('../suites/techempower.js').MatrixSuite} suite
 * @param {{ duration: number, warmup: number, connections: number, pipelining: number, rounds: number, workers: number }} settings
 * @param {{ verifyOnly: boolean, quick?: boolean, save: boolean, note?: string, command: string }} options
 */
export async function runMatrixSuite(suite, settings, options) {
  console.log(`\n## ${suite.name}: ${suite.title}\n`);
  try {
    await suite.setup?.();
  } catch (error) {
    console.error(`Cannot run suite "${suite.name}": ${error.message}`);
    return false;
  }

  console.log('Verifying implementations…');
  /** @type {Map<string, { startupMs: number[], idleRss: number[] }>} */
  const starts = new Map(
    suite.implementations.map((i) => [i.name, { startupMs: [], idleRss: [], processes: 0 }]),
  );
  const failures = [];
  for (const implementation of suite.implementations) {
    let server;
    try {
      const start = await startMeasured(suite, implementation, settings.workers);
      server = start.server;
      const record = starts.get(implementation.name);
      record?.startupMs.push(start.startupMs);
      record?.idleRss.push(start.idleRss);
      if (record) record.processes = start.processes;
      await suite.verify(server.url, implementation.name);
      console.log(`  ✓ ${implementation.name} answers every test as specified`);
    } catch (error) {
      failures.push(`${implementation.name}: ${error.message}`);
      console.log(`  ✗ ${implementation.name}: ${error.message}`);
    } finally {
      await server?.stop();
    }
  }
  if (failures.length > 0) {
    console.error(
      `\nRefusing to measure suite "${suite.name}": an implementation is broken.\n  ${failures.join('\n  ')}`,
    );
    return false;
  }
  if (options.verifyOnly) return true;

  const startLoad = machineInfo().loadAverage;
  /** @type {Map<string, any[]>} samples by `${test}|${implementation}` */
  const samples = new Map();
  for (let round = 0; round < settings.rounds; round += 1) {
    const order = suite.implementations.map((_, i, all) => all[(i + round) % all.length]);
    for (const implementation of order) {
      const label = settings.rounds > 1 ? ` (round ${round + 1}/${settings.rounds})` : '';
      const { server, startupMs, idleRss } = await startMeasured(suite, implementation, settings.workers);
      starts.get(implementation.name)?.startupMs.push(startupMs);
      starts.get(implementation.name)?.idleRss.push(idleRss);
      console.log(
        `${implementation.name}${label}: first answer ${Math.round(startupMs)} ms after spawn, idle RSS ${mib(idleRss)} MiB`,
      );
      try {
        for (const test of suite.tests) {
          process.stdout.write(
            `  ${test.name}: ${settings.warmup}s warm-up + ${settings.duration}s… `.padEnd(34),
          );
          const result = await measureTest(server, test.request, settings);
          const key = `${test.name}|${implementation.name}`;
          samples.set(key, [...(samples.get(key) ?? []), result]);
          console.log(
            `${Math.round(result.requestsPerSec).toLocaleString('en-US').padStart(7)} req/s, p99 ${result.p99} ms, ` +
              `${result.cpuPerRequest.toFixed(1)} µs CPU/req, RSS ${mib(result.peakRss)} MiB` +
              (result.errors || result.non2xx ? `, ${result.errors} errors, ${result.non2xx} non-2xx` : ''),
          );
          await sleep(500);
        }
      } finally {
        await server.stop();
      }
      await sleep(1_000);
    }
  }

  const summary = summarize(suite, samples, starts);
  console.log(`\n${textTable(summary.cells)}\n`);
  for (const line of summary.verdicts) console.log(line);
  console.log(`\n${textTable(summary.memory)}\n`);
  if (summary.faulty.length > 0)
    console.log(
      `Warning: errors or non-2xx answers under load in ${summary.faulty.join(', ')}; those numbers are not comparable.`,
    );

  if (options.save) {
    const machine = machineInfo();
    // A quick run never overwrites the day's full run.
    const suffix = options.quick ? '-quick' : '';
    const file = resolve(ROOT, 'bench', 'results', `${machine.date.slice(0, 10)}-${suite.name}${suffix}.md`);
    await mkdir(resolve(ROOT, 'bench', 'results'), { recursive: true });
    await writeFile(file, markdownReport({ suite, settings, options, summary, samples, machine, startLoad }));
    console.log(`Saved ${relative(ROOT, file)}`);
  }
  return summary.faulty.length === 0;
}

/** Medians per test and implementation, the tables and the target verdicts. */
function summarize(suite, samples, starts) {
  const pick = (runs, key) => median(runs.map((r) => r[key]));
  /** @type {string[][]} */
  let cells = [];
  const verdicts = [];
  const faulty = [];
  const byTest = new Map();
  for (const test of suite.tests) {
    const rows = suite.implementations.map(({ name }) => {
      const runs = samples.get(`${test.name}|${name}`) ?? [];
      const sum = (key) => runs.reduce((total, r) => total + r[key], 0);
      return {
        name,
        rounds: runs.length,
        requestsPerSec: pick(runs, 'requestsPerSec'),
        p50: pick(runs, 'p50'),
        p99: pick(runs, 'p99'),
        cpuPerRequest: pick(runs, 'cpuPerRequest'),
        peakRss: Math.max(...runs.map((r) => r.peakRss)),
        total: sum('total'),
        errors: sum('errors'),
        non2xx: sum('non2xx'),
      };
    });
    byTest.set(test.name, rows);
    for (const row of rows) if (row.errors > 0 || row.non2xx > 0) faulty.push(`${test.name}/${row.name}`);
    const table = tableCells(rows, suite.baselines);
    if (cells.length === 0) cells = [['test', ...table[0]]];
    cells.push(...table.slice(1).map((row) => [test.name, ...row]));
    const verdict = verdictLine(suite, test, rows);
    if (verdict) verdicts.push(verdict);
  }

  const memory = [
    ['implementation', 'processes', 'start-up ms', 'idle RSS MiB', 'peak RSS under load MiB', 'at test'],
    ...suite.implementations.map(({ name }) => {
      let peak = Number.NaN;
      let at = 'n/a';
      for (const test of suite.tests) {
        const row = byTest.get(test.name)?.find((r) => r.name === name);
        if (row && (Number.isNaN(peak) || row.peakRss > peak)) {
          peak = row.peakRss;
          at = test.name;
        }
      }
      const start = starts.get(name);
      return [
        name,
        String(start?.processes ?? 'n/a'),
        String(Math.round(median(start?.startupMs ?? []))),
        mib(median(start?.idleRss ?? [])),
        mib(peak),
        at,
      ];
    }),
  ];
  return { cells, verdicts, memory, faulty, byTest };
}

/** `json: basalt ÷ fastify = 0.93 (target ≥ 0.90) met; ahead of express ×1.40, nestjs ×1.21`. */
function verdictLine(suite, test, rows) {
  const target = suite.target;
  if (!target || test.target === undefined) return undefined;
  const rate = (name) => rows.find((r) => r.name === name)?.requestsPerSec ?? Number.NaN;
  const subject = rate(target.implementation);
  const ratio = subject / rate(target.baseline);
  const ahead = target.ahead.map((name) => ({ name, ratio: subject / rate(name) }));
  const met = ratio >= test.target && ahead.every((a) => a.ratio > 1);
  return (
    `${test.name}: ${target.implementation} ÷ ${target.baseline} = ${ratio.toFixed(2)} (target ≥ ${test.target.toFixed(2)}), ` +
    `÷ ${ahead.map((a) => `${a.name} = ${a.ratio.toFixed(2)}`).join(', ')} (target > 1.00): ${met ? 'met' : 'NOT met'}`
  );
}

function markdownReport({ suite, settings, options, summary, samples, machine, startLoad }) {
  const perRound = [...samples]
    .map(([key, runs]) => {
      const list = runs.map(
        (r) =>
          `${Math.round(r.requestsPerSec).toLocaleString('en-US')} req/s (p99 ${r.p99} ms, ${r.cpuPerRequest.toFixed(1)} µs CPU/req, RSS ${mib(r.peakRss)} MiB)`,
      );
      return `- ${key.replace('|', ' / ')}: ${list.join(', ')}`;
    })
    .join('\n');
  return `# Benchmark: ${suite.name} — ${suite.title}

${suite.description}

${markdownTable(summary.cells)}

${summary.verdicts.map((v) => `- ${v}`).join('\n')}

${summary.faulty.length > 0 ? `**Warning:** errors or non-2xx answers under load in ${summary.faulty.join(', ')}; those numbers are not comparable.\n\n` : ''}\`÷ X\` is requests per second divided by X's in the same run and test (1.00 = as fast as X).
\`CPU µs/req\` is the server process's CPU time (user + system, from /proc) during the measured
run divided by the requests it answered; \`CPU ÷ X\` compares it with X (below 1.00 = cheaper).
Latencies are autocannon's percentiles in whole milliseconds${settings.rounds > 1 ? `; every number is the median of ${settings.rounds} rounds` : ''}.

## Start-up and memory (${settings.workers === 1 ? 'one process per implementation' : `${settings.workers} cluster workers per implementation`})

${markdownTable(summary.memory)}

Start-up is the time from spawning \`node ${NODE_ARGS.join(' ')} <entry>\` to the first 200 answer
on \`${suite.readyPath}\` (median of every start: the verification start and one per round). It includes
the TypeScript loader transpiling what is not already JavaScript: Basalt's own sources
(\`--conditions=basalt-source\`) and the bench files; the installed frameworks are plain JavaScript.
Idle RSS is read 1 s after that first answer; peak RSS is the highest VmRSS sampled every
200 ms during the measured runs. Both are totals over the implementation's processes (with
workers: the cluster primary and every worker; divide by \`processes\` for a mean per process).

${options.note ? `## Conditions of this run\n\n${options.note}\n\n` : ''}## Every measurement

${perRound}

## Implementations

${suite.implementations.map((i) => `- **${i.name}** (\`${i.entry}\`): ${i.description}`).join('\n')}

Each runs alone (${settings.workers === 1 ? 'one process' : `a cluster primary and ${settings.workers} workers`}, the same for all), one after the
other, started as \`node ${NODE_ARGS.join(' ')} <entry>\` with \`NODE_ENV=production\`, on 127.0.0.1,
once per round, and serves every test in turn. Before any load every implementation was checked
against the specification (bench/techempower/verify.js): status, Server/Date/Content-Type/Content-Length
headers, body shapes, the queries clamping, the fortunes page byte for byte, updates written.

## Settings

- command: \`${options.command}\`
- workers per implementation: ${settings.workers} (${settings.workers === 1 ? 'a single process' : 'node:cluster'})
- load: autocannon, ${settings.connections} connections, pipelining ${settings.pipelining}, ${settings.warmup} s warm-up then ${settings.duration} s measured per test, ${settings.rounds} round(s)
- requests: ${suite.tests.map((t) => `\`${t.request.path}\``).join(', ')}

## Machine

- date: ${machine.date}
- CPU: ${machine.cpu}, ${machine.cores} logical cores, ${machine.memory} RAM
- OS: ${machine.os}
- Node: ${machine.node}
- load average (1, 5, 15 min) before: ${startLoad}; after: ${machine.loadAverage}

## Caveats

- autocannon, PostgreSQL and the server share the machine's ${machine.cores} cores, so absolute
  req/s are far below what the server alone would do; compare ratios within one run.
- A load average well above 0 at the start means other work competed for the cores: re-run on
  a quiet machine (and with \`--rounds 3\`) before concluding anything from a few percent.
`;
}
