import type { Logger } from '../../core/index.js';
import { type MailBackend, type MailMessage, recipients } from '../message.js';

/** Options of {@link consoleMailBackend}. */
export interface ConsoleMailOptions {
  /**
   * In production the body (which may hold a reset link or token) is never logged: only the
   * recipients and subject, at warning level, since the mail is not delivered.
   */
  production?: boolean;
}

/**
 * Writes every message to the log instead of sending it (Django's console backend): the
 * default in development, so a password-reset link can be copied from the terminal. In
 * production it logs no body, link or token.
 */
export function consoleMailBackend(
  log: Pick<Logger, 'info' | 'warn'>,
  options: ConsoleMailOptions = {},
): MailBackend {
  return {
    async send(message: MailMessage) {
      const to = recipients(message);
      if (options.production) {
        log.warn(
          { mail: { to, subject: message.subject } },
          `mail to ${to.join(', ')} NOT sent (console mail backend in production; body not logged): set MAIL_URL`,
        );
        return;
      }
      log.info(
        {
          mail: {
            ...message,
            to,
            attachments: message.attachments?.map((a) => ({ filename: a.filename, bytes: a.content.length })),
          },
        },
        `mail to ${to.join(', ')}: ${message.subject}`,
      );
    },
  };
}
