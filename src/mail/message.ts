/** A file attached to a {@link MailMessage}. */
export interface MailAttachment {
  /** The name the recipient sees (`invoice-42.pdf`). */
  filename: string;
  content: string | Uint8Array;
  /** Defaults to a type guessed from the file name. */
  contentType?: string;
}

/** One email. */
export interface MailMessage {
  to: string | readonly string[];
  cc?: string | readonly string[];
  bcc?: string | readonly string[];
  /** Defaults to the mailer's `MAIL_FROM`. */
  from?: string;
  replyTo?: string;
  subject: string;
  /** The plain-text body. */
  text: string;
  html?: string;
  attachments?: readonly MailAttachment[];
}

/** Where mail goes: SMTP in production, the console in development, a list in tests. */
export interface MailBackend {
  send(message: MailMessage): Promise<void>;
  /** Closes pooled connections; called when the app stops. */
  close?(): Promise<void>;
}

/** Every recipient of a message, in one list (for logs and the outbox). */
export function recipients(message: MailMessage): string[] {
  return [message.to, message.cc ?? [], message.bcc ?? []].flat();
}
