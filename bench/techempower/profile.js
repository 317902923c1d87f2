#!/usr/bin/env node
// Profiles one TechEmpower implementation on one test: starts it with `--cpu-prof`, loads it
// (warm-up, then the profiled load), stops it so V8 writes the profile, and prints where the
// time went (bench/db/profile-summary.ts, functions with the most self time).
//
//   node bench/techempower/profile.js basalt plaintext [--duration 10] [--filter src/]
import { spawnSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from '../lib/load.js';
import { ROOT, startServer } from '../lib/servers.js';
import { techempower } from '../suites/techempower.js';
import { ensurePostgres, prepareDatabase } from './setup.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    filter: { type: 'string', default: 'src/' },
    top: { type: 'string', default: '30' },
  },
});
const [name = 'basalt', testName = 'plaintext'] = positionals;
const implementation = techempower.implementations.find((i) => i.name === name);
const test = techempower.tests.find((t) => t.name === testName);
if (!implementation || !test) {
  console.error(
    `Usage: node bench/techempower/profile.js <${techempower.implementations.map((i) => i.name).join('|')}> <${techempower.tests.map((t) => t.name).join('|')}> [--duration s] [--filter path] [--top n]`,
  );
  process.exit(2);
}

await ensurePostgres();
await prepareDatabase();
const dir = resolve(tmpdir(), 'basalt-profiles', `${name}-${testName}-${Date.now()}`);
await mkdir(dir, { recursive: true });
const server = await startServer(implementation, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
const load = {
  url: server.url,
  request: test.request,
  connections: Number(values.connections),
  pipelining: 1,
};
await runLoad({ ...load, duration: 3 });
const result = await runLoad({ ...load, duration: Number(values.duration) });
await server.stop();
console.log(
  `${name} ${testName}: ${Math.round(result.requestsPerSec)} req/s while profiled (profiling slows it down)`,
);
const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).map((f) => resolve(dir, f));
spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    resolve(ROOT, 'bench', 'db', 'profile-summary.ts'),
    '--top',
    String(values.top),
    '--filter',
    String(values.filter),
    ...files,
  ],
  { stdio: 'inherit', cwd: ROOT },
);
console.log(`Profile: ${files.join(', ')} (open in Chrome DevTools › Performance)`);
