import type { Executor } from '../db/index.js';
import { type Static, t } from '../http/index.js';
import type { MailContext, Mailer, MailMessage } from '../mail/index.js';
import { PermanentError } from './errors.js';
import type { Jobs } from './jobs.js';
import { type BackoffOptions, defineTask, type Task } from './task.js';

/** The name of the built-in task that delivers `sendMail`'s messages when jobs are on. */
export const MAIL_TASK = 'basalt.mail.send';

const Addresses = t.Union([t.String({ minLength: 1 }), t.Array(t.String({ minLength: 1 }), { minItems: 1 })]);

/** A message as a job's input: JSON, so byte attachments travel as base64. */
const MailInput = t.Object({
  to: Addresses,
  cc: t.Optional(Addresses),
  bcc: t.Optional(Addresses),
  from: t.Optional(t.String()),
  replyTo: t.Optional(t.String()),
  subject: t.String(),
  text: t.String(),
  html: t.Optional(t.String()),
  attachments: t.Optional(
    t.Array(
      t.Object({
        filename: t.String({ minLength: 1 }),
        contentType: t.Optional(t.String()),
        content: t.String(),
        encoding: t.Union([t.Literal('utf8'), t.Literal('base64')]),
      }),
    ),
  ),
});
type MailInput = Static<typeof MailInput>;

function toInput(message: MailMessage): MailInput {
  const { attachments, ...rest } = message;
  return {
    ...(rest as Omit<MailInput, 'attachments'>),
    ...(attachments
      ? {
          attachments: attachments.map((a) => ({
            filename: a.filename,
            ...(a.contentType ? { contentType: a.contentType } : {}),
            ...(typeof a.content === 'string'
              ? { content: a.content, encoding: 'utf8' as const }
              : { content: Buffer.from(a.content).toString('base64'), encoding: 'base64' as const }),
          })),
        }
      : {}),
  };
}

function toMessage(input: MailInput): MailMessage {
  const { attachments, ...rest } = input;
  return {
    ...rest,
    ...(attachments
      ? {
          attachments: attachments.map((a) => ({
            filename: a.filename,
            ...(a.contentType ? { contentType: a.contentType } : {}),
            content: a.encoding === 'base64' ? new Uint8Array(Buffer.from(a.content, 'base64')) : a.content,
          })),
        }
      : {}),
  };
}

/**
 * An SMTP answer in the 5xx range (no such mailbox, message refused, bad login) will not
 * change on a retry: the job fails at once. Connection failures and 4xx answers are retried.
 */
function isPermanentSmtpFailure(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { responseCode?: unknown }).responseCode;
    if (typeof code === 'number') return code >= 500 && code < 600;
  }
  return false;
}

/** The mail task of one app: delivers a message through the app's mailer. */
export function createMailTask(
  policy: { retries?: number; backoff?: BackoffOptions } = {},
): Task<typeof MailInput, null> {
  return defineTask(
    MAIL_TASK,
    {
      input: MailInput,
      // About eight hours of attempts by default: 1 min, 2, 4, … capped at an hour.
      retries: policy.retries ?? 12,
      backoff: policy.backoff ?? { type: 'exponential', delay: 60_000, maxDelay: 3_600_000 },
      timeout: 120_000,
    },
    async ({ input, app }) => {
      try {
        await app.mail.send(toMessage(input));
      } catch (error) {
        if (isPermanentSmtpFailure(error))
          throw new PermanentError((error as Error).message, { cause: error });
        throw error;
      }
      return null;
    },
  );
}

/**
 * The queue `jobs()` gives the app's mailer: a message becomes a job of the mail task, in the
 * caller's transaction when `db` is one of Basalt's executors (after its commit otherwise).
 */
export function mailQueue(
  task: ReturnType<typeof createMailTask>,
  client: () => Jobs,
): Parameters<Mailer['useQueue']>[0] {
  return async (message: MailMessage, db: MailContext['db']) => {
    const jobs = client();
    const input = toInput(message);
    if (db === undefined) {
      await jobs.enqueue(task, input);
      return;
    }
    if ('inTransaction' in db) {
      await jobs.enqueue(task, input, { db: db as Executor });
      return;
    }
    await db.afterCommit(() => jobs.enqueue(task, input));
  };
}
