import type { MailBackend, MailMessage } from './message.js';

/**
 * Hands a message to background delivery (the jobs module's mail task), in the caller's
 * transaction when `db` is one.
 */
export type MailQueue = (message: MailMessage, db: MailContext['db']) => Promise<void>;

/** The app's mail: a backend and the default sender. `app.mail`, and `ctx.mail` in handlers. */
export interface Mailer {
  readonly backend: MailBackend;
  /** MAIL_FROM: the sender of messages that name none. */
  readonly from: string | undefined;
  /** Where {@link sendMail} puts messages when jobs are on (set by `jobs()`); else undefined. */
  readonly queue: MailQueue | undefined;
  /** Sends now. */
  send(message: MailMessage): Promise<void>;
  /** Makes {@link sendMail} hand messages to `queue` instead of sending them itself. */
  useQueue(queue: MailQueue): void;
}

/** A mailer over a backend. */
export function createMailer(backend: MailBackend, from?: string): Mailer {
  let queue: MailQueue | undefined;
  return {
    backend,
    from,
    get queue() {
      return queue;
    },
    send: (message) => backend.send(from === undefined || message.from ? message : { ...message, from }),
    useQueue(given) {
      queue = given;
    },
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
 * transaction sends nothing. Usable from a handler (`ctx`) or a task's context. When the app
 * uses `jobs()`, the message becomes a job of the built-in mail task instead (enqueued in the
 * transaction, retried with backoff when the SMTP server fails).
 *
 * @example
 * await db.transaction(async (tx) => {
 *   const order = await tx.create(Order, data);
 *   await sendMail({ mail: ctx.mail, db: tx }, { to: email, subject: 'Order placed', text: '…' });
 * });
 */
export async function sendMail(context: MailContext, message: MailMessage): Promise<void> {
  if (context.mail.queue) return context.mail.queue(message, context.db);
  if (context.db === undefined) return context.mail.send(message);
  await context.db.afterCommit(() => context.mail.send(message));
}
