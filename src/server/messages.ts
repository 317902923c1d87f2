/** Asks a worker to stop gracefully (primary → worker). */
export const SHUTDOWN_MESSAGE = 'basalt:shutdown';
/** A worker finished its requests and closed its server (worker → primary). */
export const STOPPED_MESSAGE = 'basalt:stopped';
/** The primary routes no connection to that worker any more: it may exit (primary → worker). */
export const EXIT_MESSAGE = 'basalt:exit';

/** Exit code of a worker that could not load, create or start the app: restarting it will not help. */
export const BOOT_FAILURE_EXIT_CODE = 3;

/** Environment variables the primary passes to each worker. */
export const WORKER_ENV = {
  appFile: 'BASALT_APP_FILE',
} as const;

/** True when a value received over IPC is the message `type` of the server's protocol. */
export function isServerMessage(message: unknown, type: string): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
