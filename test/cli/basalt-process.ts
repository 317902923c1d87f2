import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root and the `basalt` executable under test. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'basalt.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'cli');

/** Environment for spawned commands: no inherited app settings. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of [
    'BASALT_APP',
    'BASALT_CLI_RESPAWNED',
    'NODE_OPTIONS',
    'PORT',
    'HOST',
    'WORKERS',
    'NODE_ENV',
    'VITEST',
    'SECRET_KEY',
  ]) {
    if (!(key in extra)) delete env[key];
  }
  return env;
}

/** A running `basalt` process: its output so far, and ways to wait for it. */
export interface BasaltProcess {
  child: ChildProcess;
  output(): string;
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Starts `basalt <args>` in its own process group, so cleanup can kill it with all its children. */
export function startBasalt(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): BasaltProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child,
    output: () => output,
    exited,
    async waitForOutput(text, timeoutMs = 30_000) {
      await waitUntil(() => (typeof text === 'string' ? output.includes(text) : text.test(output)), {
        timeoutMs,
        message: () => `output never matched ${String(text)}; got:\n${output}`,
      });
    },
  };
}

/** Kills every process group started by {@link startBasalt} that is still running. */
export async function killAll(): Promise<void> {
  for (const child of running) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}

/** Runs `basalt <args>` to completion. */
export async function runBasalt(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

/** Polls until `condition` holds. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; message?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(options.message?.() ?? 'condition never held');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One GET over a new connection (no keep-alive pool), so each request may reach another worker. */
export function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    // A connection handed to a worker that was just killed can hang; fail it instead.
    req.setTimeout(5_000, () =>
      req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end();
  });
}

/** A temporary project directory (an ESM package) whose `basalt` import resolves to this repository. */
export function tempProject(files: Record<string, string>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-cli-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'basalt'), 'dir');
  const all = { 'package.json': '{ "type": "module" }\n', ...files };
  for (const [name, content] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The source of a minimal app file named `name`. */
export function tinyApp(name: string): string {
  return `import { defineApp } from 'basalt';\nexport default defineApp({ name: '${name}' });\n`;
}
