import cluster from 'node:cluster';
import { type BasaltApp, createApp } from '../app/index.js';
import { BasaltError, isBasaltError } from '../core/index.js';
import { sql } from '../db/index.js';
import { withinServiceTimeout } from '../internal/service-errors.js';
import { importAppDefinition } from './import-app.js';
import {
  BOOT_FAILURE_EXIT_CODE,
  EXIT_MESSAGE,
  isServerMessage,
  SHUTDOWN_MESSAGE,
  STOPPED_MESSAGE,
  WORKER_ENV,
} from './messages.js';

/**
 * Waits until the primary confirms it routes no more connections here. Between closing the
 * server and the primary learning of it, the primary may still hand this worker a connection;
 * staying alive lets Node pass it back instead of losing it with the process.
 */
function confirmStopped(): Promise<void> {
  const send = process.send?.bind(process);
  if (!cluster.isWorker || !process.connected || !send) return Promise.resolve();
  return new Promise((resolveConfirmed) => {
    const done = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
      resolveConfirmed();
    };
    const onMessage = (message: unknown) => {
      if (isServerMessage(message, EXIT_MESSAGE)) done();
    };
    const timer = setTimeout(done, 2_000);
    process.on('message', onMessage);
    send({ type: STOPPED_MESSAGE }, undefined, {}, (error: Error | null) => {
      if (error) done();
    });
  });
}

function describe(error: unknown): string {
  if (isBasaltError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * Refuses to serve when the app's database does not answer within SERVICE_TIMEOUT: a node
 * started against a wrong or unreachable DATABASE_URL exits with one clear line (and the
 * primary does not restart it), instead of answering every request with a 503.
 */
async function databaseAnswers(app: BasaltApp): Promise<void> {
  const db = app.db;
  if (db === undefined) return;
  const timeoutMs = app.config.SERVICE_TIMEOUT * 1000;
  try {
    await withinServiceTimeout('database', timeoutMs, sql`select 1`.execute(db.kysely));
  } catch (error) {
    await db.close().catch(() => undefined);
    const reason = rootMessage(error);
    throw new BasaltError(
      'BASALT_CONFIG_INVALID',
      `The database at ${redactUrl(String(app.config.DATABASE_URL))} does not answer (${reason}): check DATABASE_URL and that the server is up`,
    );
  }
}

/** The innermost message of an error chain (the driver's own words: ECONNREFUSED, a missing database). */
function rootMessage(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4; depth++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) break;
    current = cause;
  }
  const code = (current as { code?: unknown } | null)?.code;
  const message = current instanceof Error ? current.message : String(current);
  return message || (typeof code === 'string' ? code : 'no answer');
}

/** A database URL without its password. */
function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]+):[^@]*@/i, '$1:***@');
}

/**
 * Runs one server process: loads the app named by `BASALT_APP_FILE`, listens on the
 * configured HOST/PORT, and on SIGTERM, SIGINT or a shutdown message from the primary
 * stops accepting connections, lets in-flight requests finish within SHUTDOWN_TIMEOUT
 * seconds, then exits. It is the body of each `basalt start` worker and of the `basalt dev` child.
 */
export async function runWorker(env: Record<string, string | undefined> = process.env): Promise<void> {
  const file = env[WORKER_ENV.appFile];
  let app: BasaltApp | undefined;
  let stopping = false;

  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    // Asked to stop before the app exists: nothing is in flight yet.
    if (!app) process.exit(0);
    const seconds = app.config.SHUTDOWN_TIMEOUT;
    app.log.info({ reason, timeout: seconds }, 'stopping: finishing in-flight requests');
    setTimeout(() => {
      app?.log.warn(
        { timeout: seconds },
        'in-flight requests did not finish within SHUTDOWN_TIMEOUT; exiting',
      );
      process.exit(1);
    }, seconds * 1000).unref();
    app
      .stop()
      .then(confirmStopped)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`basalt: error while stopping: ${describe(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('message', (message) => {
    if (isServerMessage(message, SHUTDOWN_MESSAGE)) shutdown('primary');
  });
  // The primary went away (killed, crashed): do not linger as an orphan.
  process.on('disconnect', () => shutdown('primary disconnected'));

  try {
    if (!file)
      throw new Error(`${WORKER_ENV.appFile} is not set; start workers with runServer() or basalt start.`);
    const definition = await importAppDefinition(file);
    app = await createApp(definition);
    await databaseAnswers(app);
    await app.listen();
  } catch (error) {
    process.stderr.write(`basalt: the app failed to start: ${describe(error)}\n`);
    process.exit(BOOT_FAILURE_EXIT_CODE);
  }
}
