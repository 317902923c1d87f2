import { BasaltError } from '../../core/index.js';
import type { MailBackend, MailMessage } from '../message.js';
import { toNodemailer } from './nodemailer-message.js';

/** Options of {@link smtpMailBackend}. */
export interface SmtpMailOptions {
  host: string;
  port?: number;
  /** TLS from the first byte (port 465, `smtps://`). Otherwise STARTTLS when offered. */
  secure?: boolean;
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  requireTLS?: boolean;
  auth?: { user: string; pass: string };
  /** Keep up to `maxConnections` connections open and reuse them. Default true. */
  pool?: boolean;
  maxConnections?: number;
  /** The sender when a message names none. */
  from?: string;
  /** Trusted CA certificates (PEM) for a server with a private certificate. */
  ca?: string | readonly string[];
  /** Seconds to connect, greet and send before failing. Default 30. */
  timeout?: number;
}

/**
 * Sends mail over SMTP with nodemailer: pooled connections, STARTTLS or implicit TLS, and
 * authentication.
 *
 * @example
 * smtpMailBackend({ host: 'smtp.example.com', port: 587, requireTLS: true, auth: { user, pass } });
 */
export function smtpMailBackend(options: SmtpMailOptions): MailBackend {
  let transport: Promise<import('nodemailer').Transporter> | undefined;
  const open = () => {
    transport ??= import('nodemailer').then(({ default: nodemailer }) => {
      const timeout = (options.timeout ?? 30) * 1000;
      return nodemailer.createTransport({
        host: options.host,
        port: options.port ?? (options.secure ? 465 : 587),
        secure: options.secure ?? false,
        requireTLS: options.requireTLS ?? false,
        ...(options.auth ? { auth: options.auth } : {}),
        pool: options.pool ?? true,
        maxConnections: options.maxConnections ?? 5,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        ...(options.ca ? { tls: { ca: [options.ca].flat() as string[] } } : {}),
      } as import('nodemailer').TransportOptions);
    });
    return transport;
  };
  return {
    async send(message: MailMessage) {
      const transporter = await open();
      try {
        await transporter.sendMail(toNodemailer(message, options.from));
      } catch (error) {
        throw new BasaltError(
          'BASALT_HTTP_SERVICE_UNAVAILABLE',
          `Mail could not be sent: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    },
    async close() {
      if (transport === undefined) return;
      (await transport).close();
      transport = undefined;
    },
  };
}
