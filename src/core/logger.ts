import { type DestinationStream, type Logger, pino } from 'pino';

/** Basalt's logger: pino, structured JSON. */
export type { Logger };

/** How the app logs. */
export interface LoggerOptions {
  level: string;
  /** Pretty, human-readable lines (development). */
  pretty?: boolean;
  /** Where lines go; defaults to standard output. */
  destination?: DestinationStream;
}

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
];

/** Creates the app's root logger. Secrets in well-known places are redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino(base);
}
