import type { MailBackend, MailMessage } from '../message.js';

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
