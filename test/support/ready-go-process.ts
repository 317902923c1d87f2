import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A child process that says `ready` once loaded and waits for `go` on stdin before it acts. */
export interface ReadyGoProcess {
  /** Resolves when the child printed `ready` (or exited). */
  ready: Promise<void>;
  /** Tells the child to act. */
  go(): void;
  /** Resolves with the exit code and the output after `ready`. */
  done: Promise<{ code: number; stdout: string; stderr: string }>;
}

/**
 * Runs a TypeScript script of the tests from source as its own process. Under load a process
 * can take seconds to start, so the script prints `ready` after loading and waits for `go`:
 * several of them then act together, and what a test measures does not depend on start-up.
 */
export function startReadyGoProcess(script: string, args: readonly string[]): ReadyGoProcess {
  const child = spawn(process.execPath, ['--conditions=basalt-source', '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A process that died before reading `go` reports through its exit code and stderr.
  child.stdin.on('error', () => {});
  let stdout = '';
  let stderr = '';
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    signalReady = resolve;
  });
  child.stdout.on('data', (d) => {
    stdout += String(d);
    if (stdout.startsWith('ready\n')) signalReady();
  });
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      signalReady();
      resolve({ code: code ?? -1, stdout: stdout.replace(/^ready\n/, ''), stderr });
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}
