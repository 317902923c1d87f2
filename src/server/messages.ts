/** Messages between the server's primary process and its workers. */
export const SHUTDOWN_MESSAGE = 'basalt:shutdown';

/** Exit code of a worker that could not load, create or start the app: restarting it will not help. */
export const BOOT_FAILURE_EXIT_CODE = 3;

/** Environment variables the primary passes to each worker. */
export const WORKER_ENV = {
  appFile: 'BASALT_APP_FILE',
} as const;

/** True when a value received over IPC asks the worker to shut down. */
export function isShutdownMessage(message: unknown): boolean {
  return (
    message === SHUTDOWN_MESSAGE ||
    (typeof message === 'object' &&
      message !== null &&
      (message as { type?: unknown }).type === SHUTDOWN_MESSAGE)
  );
}
