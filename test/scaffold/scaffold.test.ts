// The scaffold smoke test: what a new user does, from the packed tarballs, on plain node.
// Packs basalt and create-basalt once, then on Node 24 and on Node 22 runs every shell
// command of docs/getting-started.md in order, in a temporary folder. Takes minutes.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packBasalt } from '../support/packed.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = join(ROOT, 'docs', 'getting-started.md');
const MINUTE = 60_000;

/** The page's shell commands: every line of its ```sh blocks, each block a list. */
function pageCommands(markdown: string): string[][] {
  const blocks: string[][] = [];
  for (const match of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    const lines = (match[1] ?? '').split('\n').map((line) => line.trim());
    blocks.push(lines.filter((line) => line !== '' && !line.startsWith('#')));
  }
  return blocks;
}

interface Run {
  code: number | null;
  output: string;
}

function nodeDir(major: 22 | 24): string | undefined {
  const dir = join(ROOT, '.node', String(major));
  if (existsSync(join(dir, 'bin', 'node'))) return dir;
  if (major === 24 && Number(process.versions.node.split('.')[0]) === 24)
    return join(process.execPath, '..', '..');
  return undefined;
}

/** An environment with nothing of the test runner's: the chosen node first on PATH, one shared npm cache. */
function cleanEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The machine's extra CA certificates stay: npm run by another node has no global npmrc
    // (its prefix is that node's folder), and a registry behind a TLS proxy needs them.
    if (/^(npm_|VITEST|BASALT_|NODE_)/i.test(key) && key !== 'NODE_EXTRA_CA_CERTS') continue;
    if (
      ['PORT', 'HOST', 'DATABASE_URL', 'TEST_DATABASE_URL', 'REDIS_URL', 'SECRET_KEY', 'WORKERS'].includes(
        key,
      )
    )
      continue;
    env[key] = value;
  }
  return {
    ...env,
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
    // better-sqlite3 and friends build against these headers if they must, without downloading them.
    npm_config_nodedir: dir,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv, timeout = 10 * MINUTE): Promise<Run> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', `set -eo pipefail\n${command}`], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

async function mustRun(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const result = await run(command, cwd, env);
  if (result.code !== 0)
    throw new Error(`'${command}' exited ${result.code} in ${cwd}:\n${result.output.slice(-4000)}`);
  return result.output;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** A long-running command (`npm run dev`, `npm start`) in its own process group. */
class Background {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(command: string, cwd: string, env: NodeJS.ProcessEnv) {
    this.child = spawn('bash', ['-c', command], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.exited = new Promise((done) => this.child.on('exit', (code) => done(code)));
  }

  async waitUntilServing(port: number, deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    while (Date.now() < deadline) {
      if (exited) throw new Error(`the server exited before serving:\n${this.output.slice(-4000)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health/live`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`no answer on port ${port} within ${deadlineMs} ms:\n${this.output.slice(-4000)}`);
  }

  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    const stopped = await Promise.race([
      this.exited.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 30_000)),
    ]);
    if (!stopped) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

const required = process.env.BASALT_REQUIRE_SERVICES === '1';
let work = '';
let basaltTarball = '';
let createTarball = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'basalt-scaffold-'));
  const packs = join(work, 'packs');
  mkdirSync(packs);
  const env = cleanEnv(nodeDir(24) ?? join(process.execPath, '..', '..'));
  // Packed from the working tree as a release would be (prepack builds dist/), once for every
  // test file that installs it (see test/support/packed.ts).
  basaltTarball = await packBasalt(env);
  await mustRun(
    `npm pack --silent --pack-destination ${packs}`,
    join(ROOT, 'packages', 'create-basalt'),
    env,
  );
  const files = readdirSync(packs);
  createTarball = join(
    packs,
    files.find((f) => f.startsWith('create-basalt-')) ?? 'missing-create-basalt.tgz',
  );
  const listing = await mustRun(`tar tzf ${basaltTarball}`, work, env);
  if (!listing.includes('package/dist/cli/index.js'))
    throw new Error(`npm pack gave a package without dist/ (${basaltTarball}): prepack must build it`);
}, 10 * MINUTE);

afterAll(async () => {
  // Two projects' node_modules: removing them takes a while on a busy disk.
  if (work) await rm(work, { recursive: true, force: true });
}, 5 * MINUTE);

describe('docs/getting-started.md', () => {
  it('has the commands the smoke test relies on, in sh blocks', () => {
    const all = pageCommands(readFileSync(PAGE, 'utf8')).flat();
    for (const command of [
      'npm create basalt@latest my-app',
      'cd my-app',
      'npm run dev',
      'npm test',
      'npm run build',
      'npm start',
    ])
      expect(all).toContain(command);
  });
});

describe.each([24, 22] as const)('a new project on Node %i', (major) => {
  const dir = nodeDir(major);
  const missing = dir === undefined && !required;
  if (missing)
    it.skip(`skipped: Node ${major} is not installed in .node/${major} (run .ci/node.sh ${major})`, () => {});
  else
    it(
      'runs every command of the getting-started page: scaffold, install, migrate, dev, auth, test, build, start',
      async () => {
        if (dir === undefined) throw new Error(`Node ${major} is required: run .ci/node.sh ${major}`);
        const home = join(work, `node${major}`);
        mkdirSync(home);
        // A path of its own per Node version, so npx never reuses the other version's install.
        const tarball = join(home, 'basalt.tgz');
        copyFileSync(basaltTarball, tarball);
        const port = await freePort();
        const env = cleanEnv(dir, { PORT: String(port) });
        const blocks = pageCommands(readFileSync(PAGE, 'utf8'));
        let cwd = home;
        let server: Background | undefined;
        const outputs: { command: string; output: string }[] = [];
        try {
          for (const block of blocks) {
            let chunk: string[] = [];
            const flush = async () => {
              if (chunk.length === 0) return;
              const script = chunk.join('\n').replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`);
              outputs.push({ command: script, output: await mustRun(script, cwd, env) });
              chunk = [];
            };
            for (const line of block) {
              if (line === 'npm create basalt@latest my-app') {
                await flush();
                // What `npm create basalt@latest my-app` runs (npm exec create-basalt), from the packed
                // create-basalt running the packed basalt; then its npm install, with `basalt` pointed
                // at the tarball because it is not on the registry.
                await mustRun(
                  `BASALT_PACKAGE=${tarball} npm exec --yes --package=${createTarball} -- create-basalt my-app --yes --no-install`,
                  home,
                  env,
                );
                const manifestPath = join(home, 'my-app', 'package.json');
                const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
                  dependencies: Record<string, string>;
                };
                expect(manifest.dependencies.basalt).toMatch(/^\^\d+\.\d+\.\d+/);
                manifest.dependencies.basalt = `file:${tarball}`;
                writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
                await mustRun('npm install', join(home, 'my-app'), env);
              } else if (line.startsWith('cd ')) {
                await flush();
                cwd = join(cwd, line.slice(3).trim());
              } else if (line === 'npm run dev' || line === 'npm start') {
                await flush();
                await server?.stop();
                server = new Background(line, cwd, env);
                await server.waitUntilServing(port, 3 * MINUTE);
                if (line === 'npm start') {
                  const docs = await fetch(`http://127.0.0.1:${port}/docs`);
                  expect(docs.status).toBe(200);
                  expect(await docs.text()).toContain('<html');
                  const notes = await fetch(`http://127.0.0.1:${port}/api/notes`);
                  expect(notes.status).toBe(200);
                  // The production server reads the database the development steps wrote.
                  expect(await notes.text()).toContain('First note');
                }
              } else chunk.push(line);
            }
            await flush();
          }
          const said = (pattern: RegExp) => outputs.some((o) => pattern.test(o.output));
          expect(said(/v2[2-9]\.\d+\.\d+/)).toBe(true); // node --version
          expect(said(/"email":"ada@example\.com"/)).toBe(true); // GET /api/me with the token
          expect(said(/"title":"First note"/)).toBe(true); // POST /api/notes
          expect(said(/No changes detected/)).toBe(true); // makemigrations on the scaffold
          expect(existsSync(join(cwd, 'dist'))).toBe(true);
          expect(server).toBeDefined();
        } finally {
          await server?.stop();
        }
      },
      25 * MINUTE,
    );
});
