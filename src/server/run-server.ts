import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { BasaltError, CoreConfig, createLogger, type Logger, loadConfig } from '../core/index.js';
import { childExecArgv } from '../internal/typescript-loader.js';
import { answerMetricsRequests } from './cluster-metrics.js';
import { CrashGuard, type CrashGuardOptions } from './crash-guard.js';
import {
  BOOT_FAILURE_EXIT_CODE,
  EXIT_MESSAGE,
  isServerMessage,
  SHUTDOWN_MESSAGE,
  STOPPED_MESSAGE,
  WORKER_ENV,
} from './messages.js';
import { workerEntryPath } from './worker-entry-path.js';

/** How `runServer` runs an app. Unset values come from the configuration (environment, `.env`). */
export interface RunServerOptions {
  /** The app file; its default export is a `defineApp()` result. Relative to `cwd`. */
  appFile: string;
  /** Worker processes; defaults to WORKERS (one per CPU). */
  workers?: number;
  /** Defaults to PORT. */
  port?: number;
  /** Defaults to HOST. */
  host?: string;
  /** Working directory of the workers, where `.env` is read; defaults to `process.cwd()`. */
  cwd?: string;
  /** Variables added to the workers' environment and read for configuration; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** The primary's logger; one is created from LOG_LEVEL otherwise. */
  log?: Logger;
  /** When to stop replacing crashed workers. */
  crashGuard?: CrashGuardOptions;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Runs an app as a production server, like Gunicorn: this process is the primary, it forks
 * N workers that each create the app and listen on the same port, replaces workers that die,
 * on SIGTERM/SIGINT lets every worker finish its in-flight requests before exiting, and on
 * SIGHUP replaces the workers one by one (a reload without refusing requests).
 * Resolves with the exit code once every worker has exited (0 after a clean shutdown).
 *
 * @example
 * process.exitCode = await runServer({ appFile: 'src/app.ts', workers: 4, port: 8000 });
 */
export async function runServer(options: RunServerOptions): Promise<number> {
  if (!cluster.isPrimary) {
    throw new BasaltError(
      'BASALT_INTERNAL_ERROR',
      'runServer() runs in the primary process, not in a worker.',
    );
  }
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const overrides: Record<string, unknown> = {};
  if (options.workers !== undefined) overrides.WORKERS = options.workers;
  if (options.port !== undefined) overrides.PORT = options.port;
  if (options.host !== undefined) overrides.HOST = options.host;
  const config = loadConfig(CoreConfig, { env, envFile: join(cwd, '.env'), overrides });
  const production = config.NODE_ENV === 'production';
  const log =
    options.log ??
    createLogger({
      level: config.LOG_LEVEL ?? (production ? 'info' : config.NODE_ENV === 'test' ? 'silent' : 'debug'),
      pretty: config.NODE_ENV === 'development' && process.stdout.isTTY,
    });

  const workerEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) workerEnv[key] = value;
  Object.assign(workerEnv, {
    [WORKER_ENV.appFile]: resolve(cwd, options.appFile),
    PORT: String(config.PORT),
    HOST: config.HOST,
  });
  // Every worker must sign with the same key, or a session made by one is rejected by another.
  if (!config.SECRET_KEY) workerEnv.SECRET_KEY = randomBytes(32).toString('base64url');

  const count = config.WORKERS;
  const shownHost = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  cluster.setupPrimary({ exec: workerEntryPath(), args: [], cwd, execArgv: childExecArgv() });
  log.info(
    { workers: count, app: workerEnv[WORKER_ENV.appFile] },
    `starting ${count} worker${count === 1 ? '' : 's'}`,
  );
  if (!production) log.warn(`NODE_ENV is ${config.NODE_ENV}; set NODE_ENV=production when deploying`);

  return new Promise<number>((resolveExit) => {
    const guard = new CrashGuard(options.crashGuard);
    const alive = new Set<Worker>();
    const ready = new Set<Worker>();
    const pending = new Set<NodeJS.Timeout>();
    let restForked = false;
    let announced = false;
    let stopping = false;
    let exitCode = 0;
    let forceTimer: NodeJS.Timeout | undefined;

    const retiring = new Set<Worker>();
    let reloading = false;

    const fork = () => {
      const worker = cluster.fork(workerEnv);
      alive.add(worker);
      return worker;
    };

    const listeningOrExit = (worker: Worker) =>
      new Promise<boolean>((resolveStarted) => {
        worker.once('listening', () => resolveStarted(true));
        worker.once('exit', () => resolveStarted(false));
      });

    // SIGHUP: new workers load the app afresh (new code, new .env), one at a time, each old
    // one retiring gracefully once its replacement listens, so no request is refused.
    const reload = async () => {
      if (stopping || reloading || !announced) return;
      reloading = true;
      const old = [...alive].filter((worker) => !retiring.has(worker));
      const exits: Promise<unknown>[] = [];
      log.info({ workers: old.length }, 'received SIGHUP: replacing the workers one by one');
      for (const worker of old) {
        if (stopping) break;
        if (!(await listeningOrExit(fork()))) {
          log.error(
            'a new worker could not start the app (see the error above); keeping the running workers',
          );
          break;
        }
        retiring.add(worker);
        exits.push(new Promise((resolveExit) => worker.once('exit', resolveExit)));
        worker.send({ type: SHUTDOWN_MESSAGE }, () => {});
      }
      await Promise.all(exits);
      reloading = false;
      if (!stopping) log.info('reload finished');
    };
    const onReload = () => void reload();

    // Messages are ordered: by the time a worker's "stopped" arrives, its server's close has
    // been processed and no connection goes to it any more; the reply lets it exit.
    const onMessage = (worker: Worker, message: unknown) => {
      if (isServerMessage(message, STOPPED_MESSAGE)) worker.send({ type: EXIT_MESSAGE }, () => {});
    };

    const finish = () => {
      clearTimeout(forceTimer);
      for (const signal of SIGNALS) process.off(signal, onSignal);
      process.off('SIGHUP', onReload);
      cluster.off('listening', onListening);
      cluster.off('exit', onExit);
      cluster.off('message', onMessage);
      cluster.off('message', onMetrics);
      log.info({ exitCode }, 'server stopped');
      resolveExit(exitCode);
    };

    const stopAll = () => {
      if (stopping) return;
      stopping = true;
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      for (const worker of alive) worker.send({ type: SHUTDOWN_MESSAGE }, () => {});
      // Workers give up on their own after SHUTDOWN_TIMEOUT; this only catches a stuck one.
      forceTimer = setTimeout(
        () => {
          for (const worker of alive) worker.process.kill('SIGKILL');
        },
        (config.SHUTDOWN_TIMEOUT + 5) * 1000,
      );
      if (alive.size === 0) finish();
    };

    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      log.info(
        { signal, timeout: config.SHUTDOWN_TIMEOUT },
        `received ${signal}: stopping ${alive.size} worker(s) gracefully`,
      );
      stopAll();
    };

    const onListening = (worker: Worker, address: AddressInfo) => {
      if (ready.has(worker)) return;
      ready.add(worker);
      if (stopping) {
        // A shutdown sent while this worker was still loading may have arrived before it listened for one.
        worker.send({ type: SHUTDOWN_MESSAGE }, () => {});
        return;
      }
      if (!restForked) {
        // The first worker proved the app boots; the others are started now, so a broken app fails once.
        restForked = true;
        for (let i = 1; i < count; i++) fork();
      }
      if (!announced && ready.size >= count) {
        announced = true;
        const url = `http://${shownHost}:${address.port}`;
        log.info(
          { url, workers: count },
          `Basalt listening on ${url} with ${count} worker${count === 1 ? '' : 's'}`,
        );
      } else if (announced) {
        log.info({ worker: worker.process.pid }, 'replacement worker listening');
      }
    };

    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      alive.delete(worker);
      ready.delete(worker);
      if (retiring.delete(worker) && !stopping) return;
      if (stopping) {
        if (alive.size === 0) finish();
        return;
      }
      const pid = worker.process.pid;
      // A replacement started by a reload that fails is reported by the reload, not fatal.
      if (reloading && code === BOOT_FAILURE_EXIT_CODE) return;
      if (code === BOOT_FAILURE_EXIT_CODE) {
        log.error({ worker: pid }, 'a worker could not start the app (see the error above); stopping');
        exitCode = 1;
        stopAll();
        return;
      }
      const decision = guard.record();
      if (!decision.restart) {
        log.error(
          { worker: pid, crashes: decision.crashes },
          `workers crashed ${decision.crashes} times within ${decision.windowMs / 1000}s; giving up`,
        );
        exitCode = 1;
        stopAll();
        return;
      }
      log.warn(
        { worker: pid, code, signal, delayMs: decision.delayMs },
        `worker ${pid} died (${signal ?? `exit code ${code}`}); starting a replacement`,
      );
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!stopping) fork();
      }, decision.delayMs);
      pending.add(timer);
    };

    for (const signal of SIGNALS) process.on(signal, onSignal);
    process.on('SIGHUP', onReload);
    cluster.on('listening', onListening);
    cluster.on('exit', onExit);
    cluster.on('message', onMessage);
    const onMetrics = answerMetricsRequests();
    fork();
  });
}
