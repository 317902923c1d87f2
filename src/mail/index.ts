import type { Logger } from '../core/index.js';

/** One email. */
export interface MailMessage {
  to: string | readonly string[];
  subject: string;
  /** The plain-text body. */
  text: string;
  html?: string;
  from?: string;
}

/** Where mail goes: the console in development, a list in tests, a provider in production. */
export interface MailBackend {
  send(message: MailMessage): Promise<void>;
}

/**
 * Writes every message to the log instead of sending it (Django's console backend): the
 * default in development, so a password-reset link can be copied from the terminal.
 */
export function consoleMailBackend(log: Pick<Logger, 'info'>): MailBackend {
  return {
    async send(message) {
      log.info(
        { mail: { ...message, to: [message.to].flat() } },
        `mail to ${[message.to].flat().join(', ')}: ${message.subject}`,
      );
    },
  };
}

/** A backend that keeps messages in `outbox` (Django's locmem backend), for tests. */
export interface OutboxMailBackend extends MailBackend {
  readonly outbox: MailMessage[];
}

/** Keeps sent messages in memory; tests read `outbox`. */
export function outboxMailBackend(): OutboxMailBackend {
  const outbox: MailMessage[] = [];
  return {
    outbox,
    async send(message) {
      outbox.push(message);
    },
  };
}
