import type { SendMailOptions } from 'nodemailer';
import type { MailMessage } from '../message.js';

/** A Basalt message in nodemailer's terms. */
export function toNodemailer(message: MailMessage, from: string | undefined): SendMailOptions {
  const list = (value: string | readonly string[] | undefined) =>
    value === undefined ? undefined : [value].flat().join(', ');
  return {
    from: message.from ?? from,
    to: list(message.to),
    cc: list(message.cc),
    bcc: list(message.bcc),
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    subject: message.subject,
    text: message.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    attachments: message.attachments?.map((a) => ({
      filename: a.filename,
      content: typeof a.content === 'string' ? a.content : Buffer.from(a.content),
      ...(a.contentType ? { contentType: a.contentType } : {}),
    })),
  };
}
