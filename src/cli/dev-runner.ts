import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { FSWatcher } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnvFile } from '../core/internal.js';
import { childExecArgv } from '../internal/typescript-loader.js';
import { WORKER_ENV } from '../server/internal.js';
import { DEV_GO, DEV_LISTEN, DEV_PREPARED, DEV_READY, DEV_STANDBY } from './dev-messages.js';
import { WatchFilter, watchedDirectories, watchTree } from './watch-files.js';

/** How `basalt dev` runs an app. */
export interface DevOptions {
  appFile: string;
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  port?: number;
  host?: string;
  /** Quiet time after the last change before restarting, in ms (default 50). */
  debounceMs?: number;
}

/** Basalt's own folder: a change there makes a standby (which loaded it) stale. */
const FRAMEWORK_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function childEntryPath(): string {
  const own = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./dev-child${extname(own)}`, import.meta.url));
}

/**
 * Runs the app in a child process and restarts it whenever a watched file changes. A standby
 * child (Node, the TypeScript loader and Basalt loaded, the app not) waits next to the
 * serving one, so a restart is: stop the old child, tell the standby to import the app and
 * listen. Resolves with 0 once SIGINT or SIGTERM stopped it.
 */
export function runDev(options: DevOptions): Promise<number> {
  const { cwd, stdout, stderr } = options;
  const envFile = readEnvFile(join(cwd, '.env'));
  const env: Record<string, string | undefined> = {
    ...options.env,
    NODE_ENV: options.env.NODE_ENV ?? 'development',
    [WORKER_ENV.appFile]: options.appFile,
  };
  if (options.port !== undefined) env.PORT = String(options.port);
  if (options.host !== undefined) env.HOST = options.host;
  // One key for every restart, so sessions and tokens survive a reload.
  if (!env.SECRET_KEY && !envFile.SECRET_KEY) env.SECRET_KEY = randomBytes(32).toString('base64url');
  const say = (line: string) => stdout.write(`[basalt dev] ${line}\n`);
  // BASALT_DEV_TRACE=1 also reports when a standby is ready (bench/dev/restart.ts waits for it).
  const trace = env.BASALT_DEV_TRACE === '1' ? say : () => {};
  let restartStarted: number | undefined;

  let child: ChildProcess | undefined;
  let standby: ChildProcess | undefined;
  // A child gets "go" once it is loaded, and "listen" once it has created the app and the
  // child before it has exited (freed the port).
  const loaded = new WeakSet<ChildProcess>();
  const prepared = new WeakSet<ChildProcess>();
  const portFree = new WeakSet<ChildProcess>();
  let stopping = false;

  const spawnStandby = () => {
    if (stopping || standby) return;
    const started = spawn(process.execPath, [...childExecArgv(), childEntryPath()], {
      cwd,
      env,
      // The IPC channel carries "go" and lets the child notice when this process dies.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    started.stdout?.pipe(stdout, { end: false });
    started.stderr?.pipe(stderr, { end: false });
    started.on('message', (message: { type?: unknown; cpuMs?: unknown } | null) => {
      if (message?.type === DEV_STANDBY) {
        loaded.add(started);
        if (child === started) started.send({ type: DEV_GO });
        else trace('standby ready');
      }
      if (message?.type === DEV_PREPARED) {
        prepared.add(started);
        if (restartStarted !== undefined) trace(`app created after ${Date.now() - restartStarted} ms`);
        if (portFree.has(started)) started.send({ type: DEV_LISTEN });
      }
      // The app listens: the next standby may load now without slowing this start.
      if (message?.type === DEV_READY && child === started) {
        if (restartStarted !== undefined) say(`restarted in ${Date.now() - restartStarted} ms`);
        trace(`the app's start took ${String(message.cpuMs)} ms of CPU`);
        restartStarted = undefined;
        spawnStandby();
      }
    });
    started.on('exit', (code, signal) => {
      if (standby === started) standby = undefined;
      if (child !== started) return;
      child = undefined;
      if (!stopping && !started.killed) {
        say(`app exited (${signal ?? `code ${code}`}); waiting for a change to restart`);
        spawnStandby();
      }
    });
    standby = started;
  };

  /** Makes the standby the serving child: it creates the app now, and listens once `freed`. */
  const promote = async (freed: Promise<void>) => {
    if (!standby) spawnStandby();
    const next = standby;
    if (!next) return;
    standby = undefined;
    child = next;
    if (loaded.has(next)) next.send({ type: DEV_GO });
    await freed;
    if (restartStarted !== undefined) trace(`previous child gone after ${Date.now() - restartStarted} ms`);
    portFree.add(next);
    if (prepared.has(next) && next.connected) next.send({ type: DEV_LISTEN });
  };

  const stop = async (running: ChildProcess | undefined) => {
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => running.once('exit', () => resolveExit()));
    running.kill('SIGTERM');
    // Development has no requests worth waiting long for.
    const force = setTimeout(() => running.kill('SIGKILL'), 1_000);
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
      const files = [...changed];
      changed.clear();
      restarting = restarting.then(async () => {
        if (stopping) return;
        say(`${files.map((file) => relative(cwd, file)).join(', ')} changed; restarting`);
        restartStarted = Date.now();
        // A standby has Basalt loaded: a change to Basalt itself needs a fresh one.
        if (
          files.some((file) => file.startsWith(FRAMEWORK_ROOT) && !file.includes(`${sep}node_modules${sep}`))
        )
          await stop(standby);
        // The old child stops while the next one imports and creates the app.
        if (!stopping) await promote(stop(child));
      });
    }, options.debounceMs ?? 50);
  };

  const filter = new WatchFilter({ cwd, env: { ...envFile, ...env } });
  const directories = watchedDirectories(options.appFile, cwd);
  const watchers: FSWatcher[] = directories.flatMap((dir) => watchTree(dir, filter, scheduleRestart));
  say(`watching ${directories.map((dir) => relative(cwd, dir) || '.').join(', ')}`);
  spawnStandby();
  void promote(Promise.resolve());

  return new Promise<number>((resolveDone) => {
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
      restarting.then(() => Promise.all([stop(child), stop(standby)])).then(() => resolveDone(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
