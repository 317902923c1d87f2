import { BasaltError, isBasaltError } from '../core/internal.js';

/** Default of SERVICE_TIMEOUT: how long a request waits for the database or Redis, ms. */
export const DEFAULT_SERVICE_TIMEOUT_MS = 5000;

/** Seconds a client is told to wait (`Retry-After`) when a service is down. */
const RETRY_AFTER_SECONDS = '5';

// Node's socket errors: the service refused, dropped or never answered the connection.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EAI_AGAIN',
]);

// PostgreSQL SQLSTATEs of a server going away or refusing connections: class 08
// (connection exception), admin/crash shutdown, starting up, too many connections.
const PG_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

// pg's own messages for a connection lost or never made (pg and pg-pool, stable for years).
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
];

// ioredis's messages for a command refused or dropped because the connection is down.
const REDIS_MESSAGES = [
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Connection is closed.',
  'Command timed out',
  'Reached the max retries per request limit',
];

/**
 * The service a driver error says is unreachable (`database`, `redis`, or `a service` for a
 * bare socket error), or undefined when the error is about something else. Follows `cause`
 * a few levels: libraries wrap driver errors.
 */
export function unavailableService(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const e = current as {
      code?: unknown;
      message?: unknown;
      name?: unknown;
      errors?: unknown;
      cause?: unknown;
    };
    if (isBasaltError(current) && (current as BasaltError).status < 500) return undefined;
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (e.name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.some((m) => message.startsWith(m)))
      return 'redis';
    if (PG_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || PG_MESSAGES.some((m) => message.startsWith(m)))
      return 'database';
    if (SOCKET_CODES.has(code)) return 'a service';
    // Node's happy-eyeballs connect fails with an AggregateError of one error per address.
    if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => unavailableService(x)))
      return unavailableService(e.errors[0]);
    current = e.cause;
  }
  return undefined;
}

const LABELS: Record<string, string> = {
  database: 'The database',
  redis: 'Redis',
  'a service': 'A service this request needs',
};

/**
 * The 503 answered when `service` (`database`, `redis`, or a name such as `job queue (Redis)`)
 * cannot be reached: problem+json with `Retry-After`.
 */
export function serviceUnavailableError(service: string, cause?: unknown): BasaltError {
  const what = LABELS[service] ?? `The ${service}`;
  return new BasaltError('BASALT_HTTP_SERVICE_UNAVAILABLE', `${what} is unavailable; try again shortly`, {
    expose: true,
    headers: { 'retry-after': RETRY_AFTER_SECONDS },
    cause,
  });
}

/** `error` as a 503 when it says a service is unreachable; otherwise undefined. */
export function asServiceUnavailable(error: unknown): BasaltError | undefined {
  if (isBasaltError(error) && (error as BasaltError).code === 'BASALT_HTTP_SERVICE_UNAVAILABLE')
    return undefined;
  const service = unavailableService(error);
  return service === undefined ? undefined : serviceUnavailableError(service, error);
}

/**
 * Rejects with a 503 naming `service` when `work` has not settled within `timeoutMs`. The
 * work itself is not cancelled: use it around operations that are bounded or harmless to
 * finish late (a probe, a connection attempt), never to hide a write that may still land.
 */
export function withinServiceTimeout<T>(service: string, timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          serviceUnavailableError(service, new Error(`${service} did not answer within ${timeoutMs} ms`)),
        ),
      timeoutMs,
    );
    timer.unref?.();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * ioredis options for a connection used on the request path: a command is refused at once
 * while the connection is down (no offline queue), dropped (not re-sent) when the connection
 * breaks under it, and given up after `timeoutMs`. A refused command has not run, so an
 * answered 503 never turns into a late write when Redis comes back.
 */
export function failFastRedisOptions(timeoutMs: number) {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // Reconnect quickly, so service resumes soon after Redis is back.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  };
}
