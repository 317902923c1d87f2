import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { FSWatcher } from 'node:fs';
import { join, relative } from 'node:path';
import { readEnvFile } from '../core/index.js';
import { childExecArgv } from '../internal/typescript-loader.js';
import { WORKER_ENV, workerEntryPath } from '../server/internal.js';
import { watchedDirectories, watchTree } from './watch-files.js';

/** How `basalt dev` runs an app. */
export interface DevOptions {
  appFile: string;
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  port?: number;
  host?: string;
  /** Quiet time after the last change before restarting, in ms (default 100). */
  debounceMs?: number;
}

/**
 * Runs the app in a child process and restarts it whenever a watched file changes.
 * Resolves with 0 once SIGINT or SIGTERM stopped it.
 */
export function runDev(options: DevOptions): Promise<number> {
  const { cwd, stdout, stderr } = options;
  const env: Record<string, string | undefined> = {
    ...options.env,
    NODE_ENV: options.env.NODE_ENV ?? 'development',
    [WORKER_ENV.appFile]: options.appFile,
  };
  if (options.port !== undefined) env.PORT = String(options.port);
  if (options.host !== undefined) env.HOST = options.host;
  // One key for every restart, so sessions and tokens survive a reload.
  if (!env.SECRET_KEY && !readEnvFile(join(cwd, '.env')).SECRET_KEY)
    env.SECRET_KEY = randomBytes(32).toString('base64url');
  const say = (line: string) => stdout.write(`[basalt dev] ${line}\n`);

  let child: ChildProcess | undefined;
  let stopping = false;

  const spawnChild = () => {
    const started = spawn(process.execPath, [...childExecArgv(), workerEntryPath()], {
      cwd,
      env,
      // The IPC channel lets the app notice when this process dies and exit with it.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    started.stdout?.pipe(stdout, { end: false });
    started.stderr?.pipe(stderr, { end: false });
    started.on('exit', (code, signal) => {
      if (child === started) child = undefined;
      if (!stopping && !started.killed)
        say(`app exited (${signal ?? `code ${code}`}); waiting for a change to restart`);
    });
    child = started;
  };

  const stopChild = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => running.once('exit', () => resolveExit()));
    running.kill('SIGTERM');
    const force = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(force);
  };

  // Restarts run one at a time; changes during a restart cause one more.
  let restarting: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  const scheduleRestart = (file: string) => {
    changed.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed].join(', ');
      changed.clear();
      restarting = restarting.then(async () => {
        if (stopping) return;
        say(`${files} changed; restarting`);
        await stopChild();
        if (!stopping) spawnChild();
      });
    }, options.debounceMs ?? 100);
  };

  const directories = watchedDirectories(options.appFile, cwd);
  const watchers: FSWatcher[] = directories.flatMap((dir) =>
    watchTree(dir, (file) => scheduleRestart(relative(cwd, file))),
  );
  say(`watching ${directories.map((dir) => relative(cwd, dir) || '.').join(', ')}`);
  spawnChild();

  return new Promise<number>((resolveDone) => {
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
      restarting.then(stopChild).then(() => resolveDone(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
