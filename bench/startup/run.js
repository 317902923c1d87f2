// Start-up of a Basalt app as users deploy it, before and after the compiled package:
//   - after: the packed tarball installed in a fresh folder, the bookshop built with
//     `basalt build`, `basalt start` on plain node (no TypeScript loader, no launcher);
//   - before: the last commit with the launcher (`bin/basalt.js` re-running node with tsx),
//     checked out in a git worktree with its own `npm ci`, the bookshop from source.
// Measured per round, alternating: time from spawning `basalt start` to the first 200 on
// /api/books, idle RSS of every process and per worker 1 s later, and the CPU time of
// `basalt --help` (user + system of the whole process tree, from wait4 through /usr/bin/time).
//   node bench/startup/run.js [--rounds 5] [--workers 2] [--before <commit>] [--no-save]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { processTree, residentBytes } from '../lib/matrix.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    workers: { type: 'string', default: '2' },
    before: { type: 'string', default: 'b51748a' },
    'no-save': { type: 'boolean', default: false },
  },
});
const rounds = Number(flags.rounds);
const workers = Number(flags.workers);
const work = join(tmpdir(), 'basalt-bench-startup');
const secret = randomBytes(32).toString('base64url');

function sh(command, args, options = {}) {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], ...options });
}

function prepareAfter() {
  const dir = join(work, 'after');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop();
  const project = join(dir, 'project');
  cpSync(join(ROOT, 'examples', 'bookshop'), project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'bookshop',
      private: true,
      type: 'module',
      basalt: { app: './app.ts' },
      dependencies: { basalt: `file:${join(dir, name)}` },
      allowScripts: {
        'better-sqlite3': true,
        esbuild: true,
        '@scarf/scarf': false,
        'msgpackr-extract': false,
      },
    }),
  );
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project });
  const bin = join(project, 'node_modules', '.bin', 'basalt');
  sh(process.execPath, [bin, 'build'], { cwd: project });
  const env = { NODE_ENV: 'production', SECRET_KEY: secret, DATABASE_URL: 'sqlite:data/app.db' };
  sh(process.execPath, [bin, 'migrate'], { cwd: project, env: { ...process.env, ...env } });
  return { name: 'after (compiled, plain node)', cwd: project, command: [bin], env };
}

function prepareBefore() {
  const dir = join(work, 'before');
  if (!existsSync(join(dir, 'node_modules', '.package-lock.json'))) {
    rmSync(dir, { recursive: true, force: true });
    spawnSync('git', ['worktree', 'prune'], { cwd: ROOT });
    sh('git', ['worktree', 'add', '--detach', dir, flags.before], { cwd: ROOT });
    sh('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  }
  const env = {
    NODE_ENV: 'production',
    SECRET_KEY: secret,
    DATABASE_URL: `sqlite:${join(dir, 'data', 'app.db')}`,
  };
  sh(process.execPath, [join(dir, 'bin', 'basalt.js'), 'migrate'], {
    cwd: dir,
    env: { ...process.env, ...env },
  });
  return {
    name: `before (${flags.before}, launcher + tsx)`,
    cwd: dir,
    command: [join(dir, 'bin', 'basalt.js')],
    env,
  };
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startOnce(target) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...target.command, 'start', '--workers', String(workers), '--port', String(port)],
    {
      cwd: target.cwd,
      env: { ...process.env, ...target.env, LOG_LEVEL: 'warn' },
      detached: true,
      stdio: 'ignore',
    },
  );
  try {
    for (;;) {
      const answer = await fetch(`http://127.0.0.1:${port}/api/books`).catch(() => undefined);
      await answer?.arrayBuffer();
      if (answer?.status === 200) break;
      if (performance.now() - started > 60_000) throw new Error(`${target.name}: no 200 after 60 s`);
      await sleep(10);
    }
    const startupMs = performance.now() - started;
    await sleep(1_000);
    const tree = await processTree(child.pid);
    const rss = await Promise.all(tree.map(residentBytes));
    // The serving workers are the leaves of the tree; launcher and primary are above them.
    const leaves = tree.filter((pid) => !tree.some((other) => other !== pid && isParent(pid, other)));
    const workerRss = await Promise.all(leaves.map(residentBytes));
    return {
      startupMs,
      processes: tree.length,
      totalRss: rss.reduce((a, b) => a + b, 0),
      workerRss: workerRss.reduce((a, b) => a + b, 0) / workerRss.length,
    };
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
}

function isParent(parent, pid) {
  try {
    const stat = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' });
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
  } catch {
    return false;
  }
}

function helpCpu(target) {
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...target.command, '--help'], {
    cwd: target.cwd,
    env: { ...process.env, ...target.env },
    encoding: 'utf8',
  });
  const [user, system] = result.stderr.trim().split('\n').pop().split(' ').map(Number);
  return (user + system) * 1000;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);

mkdirSync(work, { recursive: true });
const targets = [prepareBefore(), prepareAfter()];
const results = new Map(
  targets.map((t) => [t.name, { startupMs: [], totalRss: [], workerRss: [], processes: 0, helpMs: [] }]),
);
for (let round = 1; round <= rounds; round++) {
  for (const target of round % 2 ? targets : [...targets].reverse()) {
    const record = results.get(target.name);
    const start = await startOnce(target);
    record.startupMs.push(start.startupMs);
    record.totalRss.push(start.totalRss);
    record.workerRss.push(start.workerRss);
    record.processes = start.processes;
    record.helpMs.push(helpCpu(target));
    console.error(
      `round ${round} ${target.name}: first 200 after ${Math.round(start.startupMs)} ms, ${start.processes} processes, ` +
        `RSS ${mib(start.totalRss)} MiB (${mib(start.workerRss)} per worker), --help ${Math.round(record.helpMs.at(-1))} ms CPU`,
    );
  }
}

const lines = [
  `# Start-up: compiled package vs the launcher (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Command: \`node bench/startup/run.js --rounds ${rounds} --workers ${workers} --before ${flags.before}\`. Node ${process.version},`,
  `bookshop on SQLite, \`NODE_ENV=production\`, \`basalt start --workers ${workers}\`; medians of ${rounds} alternating rounds.`,
  '',
  '| target | processes | start → first 200 (ms) | idle RSS, all processes (MiB) | idle RSS per worker (MiB) | `basalt --help` CPU (ms) |',
  '|---|---:|---:|---:|---:|---:|',
  ...targets.map((t) => {
    const r = results.get(t.name);
    return `| ${t.name} | ${r.processes} | ${Math.round(median(r.startupMs))} | ${mib(median(r.totalRss))} | ${mib(median(r.workerRss))} | ${Math.round(median(r.helpMs))} |`;
  }),
  '',
];
console.log(lines.join('\n'));
if (!flags['no-save']) {
  const file = join(ROOT, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}-startup.md`);
  writeFileSync(file, lines.join('\n'));
  console.error(`saved ${file}`);
}
