// Starts a benchmark implementation as its own Node process and waits until it listens.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/lib/../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Every implementation runs under the same flags, so the TypeScript loader and the
 * `source` export condition cost all of them the same (start-up only; code is
 * transpiled once, before the first request).
 */
export const NODE_ARGS = ['--conditions=basalt-source', '--import', 'tsx'];

const READY = /listening on (http:\/\/[^\s]+)/;

/**
 * Spawns `node ${NODE_ARGS} <entry>` with PORT=0 and resolves once it prints
 * `... listening on http://host:port`.
 *
 * @param {{ name: string, entry: string, env?: Record<string, string> }} implementation
 * @param {{ env?: Record<string, string>, nodeArgs?: string[], timeoutMs?: number }} [options]
 * @returns {Promise<{ name: string, url: string, pid: number, stderr: () => string, stop: () => Promise<void> }>}
 */
export function startServer(implementation, options = {}) {
  const { env = {}, nodeArgs = [], timeoutMs = 30_000 } = options;
  const child = spawn(process.execPath, [...NODE_ARGS, ...nodeArgs, resolve(ROOT, implementation.entry)], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', ...env, ...(implementation.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolveStart, rejectStart) => {
    let settled = false;
    const fail = (message) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().then(() => rejectStart(new Error(`${implementation.name}: ${message}\n${stderr.trim()}`)));
    };
    const timer = setTimeout(() => fail(`not listening after ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(error.message));
    exited.then(({ code, signal }) => fail(`exited before listening (code ${code}, signal ${signal})`));
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = READY.exec(stdout);
      if (match?.[1] && !settled) {
        settled = true;
        clearTimeout(timer);
        resolveStart({
          name: implementation.name,
          url: match[1],
          pid: child.pid ?? 0,
          stderr: () => stderr,
          stop,
        });
      }
    });
  });
}
