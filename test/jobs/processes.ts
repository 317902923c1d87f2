import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));

/** A `basalt` process started by a test, with what it printed so far. */
export interface BasaltProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string>;
}

const started: ChildProcess[] = [];

/**
 * Runs `bin/basalt.js <args>` on the fixture app in a process of its own (with the loader
 * flags given directly, so the process is the command itself and a signal reaches it).
 */
export function startBasalt(args: string[], env: Record<string, string>): BasaltProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=basalt-source', '--import', 'tsx', 'bin/basalt.js', ...args],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        BASALT_APP: APP,
        LOG_LEVEL: 'info',
        SECRET_KEY: 'jobs-process-tests-secret-key-0123456789abcdef',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += String(chunk);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += String(chunk);
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => output, exited };
}

/** Waits until the process printed `pattern`; fails with its output if it exits first or takes too long. */
export async function waitFor(proc: BasaltProcess, pattern: RegExp, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(proc.output())) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null)
      throw new Error(`the process exited before printing ${pattern}:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${proc.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Kills whatever is still running (SIGKILL): for afterAll. */
export function killAll(): void {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
