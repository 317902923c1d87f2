import type { MailBackend, MailMessage } from './message.js';

/** The app's mail: a backend and the default sender. `app.mail`, and `ctx.mail` in handlers. */
export interface Mailer {
  readonly backend: MailBackend;
  /** MAIL_FROM: the sender of messages that name none. */
  readonly from: string | undefined;
  /** Sends now. */
  send(message: MailMessage): Promise<void>;
}

/** A mailer over a backend. */
export function createMailer(backend: MailBackend, from?: string): Mailer {
  return {
    backend,
    from,
    send: (message) => backend.send(from === undefined || message.from ? message : { ...message, from }),
  };
}

/** What {@link sendMail} reads from a handler's or a task's context. */
export interface MailContext {
  mail: Mailer;
  /** The request's or task's database: inside a transaction, mail waits for the commit. */
  db?: { afterCommit(fn: () => unknown): Promise<void> } | undefined;
}

/**
 * Sends a message once the current transaction commits (at once outside one); a rolled-back
 * transaction sends nothing. Usable from a handler (`ctx`) or a task's context.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   const order = await tx.create(Order, data);
 *   await sendMail({ mail: ctx.mail, db: tx }, { to: email, subject: 'Order placed', text: '…' });
 * });
 */
export async function sendMail(context: MailContext, message: MailMessage): Promise<void> {
  if (context.db === undefined) return context.mail.send(message);
  await context.db.afterCommit(() => context.mail.send(message));
}
