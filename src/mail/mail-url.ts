import { resolve } from 'node:path';
import { BasaltError, type Logger } from '../core/index.js';
import { consoleMailBackend } from './backends/console.js';
import { fileMailBackend } from './backends/file.js';
import { outboxMailBackend } from './backends/memory.js';
import { smtpMailBackend } from './backends/smtp.js';
import type { MailBackend } from './message.js';

/** What {@link mailBackendFromUrl} needs besides the URL. */
export interface MailUrlOptions {
  log: Pick<Logger, 'info' | 'warn'>;
  production: boolean;
  /** The default sender (MAIL_FROM). */
  from?: string;
  cwd?: string;
}

function invalid(message: string): BasaltError {
  return new BasaltError('BASALT_CONFIG_INVALID', `MAIL_URL: ${message}`);
}

/**
 * The backend a `MAIL_URL` names: `smtp://user:pass@host:587` (STARTTLS when offered;
 * `?requireTLS=true` to insist), `smtps://user:pass@host:465` (implicit TLS), `?pool=false`,
 * `?maxConnections=5`; `console:`; `file:./data/mail`; `memory:`.
 */
export function mailBackendFromUrl(url: string, options: MailUrlOptions): MailBackend {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('is not a URL (smtp://user:pass@host:587, smtps://…, console:, file:./dir, memory:)');
  }
  const from = options.from === undefined ? {} : { from: options.from };
  switch (parsed.protocol) {
    case 'console:':
      return consoleMailBackend(options.log, { production: options.production });
    case 'memory:':
      return outboxMailBackend();
    case 'file:': {
      const path = url.slice('file:'.length).replace(/^\/\//, '');
      if (path === '') throw invalid('file: needs a folder (file:./data/mail)');
      return fileMailBackend(resolve(options.cwd ?? process.cwd(), path), from);
    }
    case 'smtp:':
    case 'smtps:': {
      if (parsed.hostname === '') throw invalid('names no host');
      const query = parsed.searchParams;
      const flag = (name: string) => {
        const value = query.get(name);
        if (value === null) return undefined;
        if (value !== 'true' && value !== 'false') throw invalid(`${name} must be true or false`);
        return value === 'true';
      };
      const maxConnections = query.get('maxConnections');
      if (maxConnections !== null && !/^[1-9]\d*$/.test(maxConnections))
        throw invalid('maxConnections must be a positive integer');
      const pool = flag('pool');
      const requireTLS = flag('requireTLS');
      return smtpMailBackend({
        host: parsed.hostname.replace(/^\[|\]$/g, ''),
        ...(parsed.port ? { port: Number(parsed.port) } : {}),
        secure: parsed.protocol === 'smtps:',
        ...(requireTLS === undefined ? {} : { requireTLS }),
        ...(pool === undefined ? {} : { pool }),
        ...(maxConnections === null ? {} : { maxConnections: Number(maxConnections) }),
        ...(parsed.username
          ? { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } }
          : {}),
        ...from,
      });
    }
    default:
      throw invalid(`unknown scheme ${parsed.protocol} (smtp:, smtps:, console:, file:, memory:)`);
  }
}
