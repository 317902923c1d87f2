import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailBackend, MailMessage } from '../message.js';
import { toNodemailer } from './nodemailer-message.js';

/**
 * Writes each message as an `.eml` file (the raw MIME message, openable by any mail client)
 * into `directory` (Django's file backend): for staging servers and for looking at HTML mail.
 *
 * @example
 * fileMailBackend('./data/mail');
 */
export function fileMailBackend(directory: string, options: { from?: string } = {}): MailBackend {
  let transport: Promise<import('nodemailer').Transporter> | undefined;
  return {
    async send(message: MailMessage) {
      transport ??= import('nodemailer').then(({ default: nodemailer }) =>
        nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
      );
      const info = await (await transport).sendMail(toNodemailer(message, options.from));
      await mkdir(directory, { recursive: true });
      // Sortable by time, unique across workers.
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
      await writeFile(join(directory, name), info.message as Buffer);
    },
  };
}
