// How long `basalt dev` takes from a file change to the new server answering, on a small app
// (one model, one resource, one endpoint) in a temporary project whose `basalt` is this checkout.
//   node --import tsx bench/dev/restart.ts [--rounds 10]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
const rounds = Number(values.rounds);

function app(version: number): string {
  return `import { defineApp } from 'basalt';
import { auth } from 'basalt/auth';
import { defineModel, f } from 'basalt/db';
import { get, t } from 'basalt/http';
import { resource } from 'basalt/rest';

export const Note = defineModel('note', { text: f.string({ max: 200 }) });

export default defineApp({
  name: 'dev-bench',
  modules: [auth()],
  models: [Note],
  routes: [
    ...resource(Note, { path: '/api/notes' }).routes,
    get('/version', { response: t.Object({ version: t.Integer() }) }, () => ({ version: ${version} })),
  ],
});
`;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function version(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/version', agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () =>
        resolve(res.statusCode === 200 ? (JSON.parse(body) as { version: number }).version : undefined),
      );
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

async function until(port: number, expected: number, deadline: number): Promise<void> {
  while ((await version(port)) !== expected) {
    if (Date.now() > deadline) throw new Error(`version ${expected} never answered`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'basalt-dev-bench-'));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(ROOT, join(dir, 'node_modules', 'basalt'), 'dir');
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
writeFileSync(join(dir, 'app.ts'), app(0));
const port = await freePort();
const child = spawn(process.execPath, [join(ROOT, 'bin', 'basalt.js'), 'dev', '--port', String(port)], {
  cwd: dir,
  env: { ...process.env, DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'error', BASALT_DEV_TRACE: '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let output = '';
child.stdout?.on('data', (chunk: Buffer) => {
  output += chunk.toString();
});
const standbys = () => output.split('standby ready').length - 1;
// A developer edits seconds apart: each round waits until the next standby has loaded.
async function standbyReady(count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (standbys() < count) {
    if (Date.now() > deadline) throw new Error(`no standby after 60 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

try {
  const started = Date.now();
  await until(port, 0, Date.now() + 60_000);
  console.log(`first answer after ${Date.now() - started} ms`);
  const times: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    await standbyReady(round);
    const changed = performance.now();
    writeFileSync(join(dir, 'app.ts'), app(round));
    await until(port, round, Date.now() + 30_000);
    times.push(performance.now() - changed);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  if (process.env.BASALT_DEV_TRACE === '1')
    console.log(
      output
        .split('\n')
        .filter((line) => / after \d+ ms|restarted in/.test(line))
        .join('\n'),
    );
  const reported = [...output.matchAll(/restarted in (\d+) ms/g)].map((m) => Number(m[1]));
  console.log(`as reported by basalt dev (change seen to listening): ${reported.join(', ')} ms`);
  const cpu = [...output.matchAll(/took (\d+) ms of CPU/g)].map((m) => Number(m[1])).slice(1);
  console.log(`CPU of the new child from "go" to listening: ${cpu.join(', ')} ms`);
  console.log(
    `restart, file change to new answer, ${rounds} rounds: median ${median.toFixed(0)} ms, ` +
      `min ${times[0]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms`,
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
