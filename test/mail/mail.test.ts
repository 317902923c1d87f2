import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineApp, type MailMessage, type OutboxMailBackend, sendMail } from 'basalt';
import { auth } from 'basalt/auth';
import { post, t } from 'basalt/http';
import { createTestClient } from 'basalt/testing';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/index.js';
import { consoleMailBackend } from '../../src/mail/backends/console.js';
import { mailBackendFromUrl } from '../../src/mail/mail-url.js';
import { defineMailTemplate } from '../../src/mail/template.js';

interface Received {
  from: string;
  to: string[];
  raw: string;
  user?: string;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real SMTP server on 127.0.0.1 that keeps what it receives. */
async function smtpServer(options: Partial<SMTPServerOptions> = {}) {
  const received: Received[] = [];
  let connections = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          ...(session.user ? { user: String(session.user) } : {}),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, received, connections: () => connections };
}

const log = { info: () => undefined, warn: () => undefined };

describe('SMTP backend (nodemailer) against a real SMTP server', () => {
  it('sends text, HTML and an attachment, with MAIL_FROM as the default sender', async () => {
    const smtp = await smtpServer();
    const backend = mailBackendFromUrl(`smtp://127.0.0.1:${smtp.port}`, {
      log,
      production: true,
      from: 'Shop <shop@example.com>',
    });
    cleanups.push(async () => backend.close?.());
    await backend.send({
      to: ['a@example.com', 'b@example.com'],
      subject: 'Your invoice',
      text: 'See attached.',
      html: '<p>See attached.</p>',
      attachments: [{ filename: 'invoice-42.txt', content: 'total: 10.99', contentType: 'text/plain' }],
    });
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.from).toBe('shop@example.com');
    expect(mail!.to).toEqual(['a@example.com', 'b@example.com']);
    expect(mail!.raw).toContain('Subject: Your invoice');
    expect(mail!.raw).toContain('<p>See attached.</p>');
    expect(mail!.raw).toMatch(/filename=invoice-42\.txt/);
    expect(mail!.raw).toContain(Buffer.from('total: 10.99').toString('base64'));
  });

  it('authenticates with the user and password of the URL', async () => {
    const smtp = await smtpServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'mailer' && auth.password === 'p@ss word')
          return callback(null, { user: 'mailer' });
        return callback(new Error('Invalid username or password'));
      },
    });
    const good = mailBackendFromUrl(`smtp://mailer:p%40ss%20word@127.0.0.1:${smtp.port}`, {
      log,
      production: true,
    });
    const bad = mailBackendFromUrl(`smtp://mailer:wrong@127.0.0.1:${smtp.port}?pool=false`, {
      log,
      production: true,
    });
    cleanups.push(async () => {
      await good.close?.();
      await bad.close?.();
    });
    await good.send({ to: 'x@example.com', from: 'shop@example.com', subject: 'Hi', text: 'Hi' });
    expect(smtp.received.map((r) => r.user)).toEqual(['mailer']);
    await expect(
      bad.send({ to: 'x@example.com', from: 'shop@example.com', subject: 'Hi', text: 'Hi' }),
    ).rejects.toMatchObject({ code: 'BASALT_HTTP_SERVICE_UNAVAILABLE' });
  });

  it('reuses pooled connections for several messages', async () => {
    const smtp = await smtpServer();
    const backend = mailBackendFromUrl(`smtp://127.0.0.1:${smtp.port}?maxConnections=1`, {
      log,
      production: true,
    });
    cleanups.push(async () => backend.close?.());
    for (let i = 0; i < 5; i += 1)
      await backend.send({ to: 'x@example.com', from: 'shop@example.com', subject: `n${i}`, text: 'x' });
    expect(smtp.received).toHaveLength(5);
    expect(smtp.connections()).toBe(1);
  });

  it('refuses to send in clear when requireTLS is set and the server offers no STARTTLS', async () => {
    const smtp = await smtpServer();
    const backend = mailBackendFromUrl(`smtp://127.0.0.1:${smtp.port}?requireTLS=true&pool=false`, {
      log,
      production: true,
    });
    await expect(
      backend.send({ to: 'x@example.com', from: 'shop@example.com', subject: 'Hi', text: 'Hi' }),
    ).rejects.toMatchObject({ code: 'BASALT_HTTP_SERVICE_UNAVAILABLE' });
    expect(smtp.received).toHaveLength(0);
  });

  it.each([
    ['not a url', 'is not a URL'],
    ['smtp://127.0.0.1?pool=maybe', 'pool must be true or false'],
    ['smtp://127.0.0.1?maxConnections=0', 'maxConnections must be a positive integer'],
    ['http://mail.example.com', 'unknown scheme http:'],
    ['file:', 'file: needs a folder'],
  ])('refuses MAIL_URL %s with a clear message', (url, message) => {
    expect(() => mailBackendFromUrl(url, { log, production: false })).toThrow(message);
  });
});

describe('templates', () => {
  const welcome = defineMailTemplate<{ name: string; link: string }>({
    subject: 'Welcome, {{ name }}',
    text: 'Hello {{ name }}, confirm at {{ link }}',
    html: '<p>Hello {{ name }}, <a href="{{ link }}">confirm</a></p>',
  });

  it('escapes values in the HTML only, and keeps the subject on one line', () => {
    const rendered = welcome.render({
      name: '<b>Eve</b> & "co"\r\nBcc: x',
      link: 'https://shop.test/c?a=1&b=2',
    });
    expect(rendered.html).toBe(
      '<p>Hello &lt;b&gt;Eve&lt;/b&gt; &amp; &quot;co&quot;\r\nBcc: x, <a href="https://shop.test/c?a=1&amp;b=2">confirm</a></p>',
    );
    expect(rendered.text).toBe('Hello <b>Eve</b> & "co"\r\nBcc: x, confirm at https://shop.test/c?a=1&b=2');
    expect(rendered.subject).toBe('Welcome, <b>Eve</b> & "co" Bcc: x');
  });

  it('throws on a missing value instead of sending a half-filled mail', () => {
    expect(() => welcome.render({ name: 'Eve' } as never)).toThrow('Mail template value link is missing');
  });
});

describe('file and console backends', () => {
  it('writes each message as an .eml file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'basalt-mail-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const backend = mailBackendFromUrl(`file:${dir}/out`, {
      log,
      production: false,
      from: 'shop@example.com',
    });
    await backend.send({ to: 'x@example.com', subject: 'Filed', text: 'body text' });
    const files = await readdir(join(dir, 'out'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const raw = await readFile(join(dir, 'out', files[0]!), 'utf8');
    expect(raw).toContain('Subject: Filed');
    expect(raw).toContain('From: shop@example.com');
    expect(raw).toContain('body text');
  });

  it('never logs a body, link or token in production', async () => {
    const lines: unknown[] = [];
    const capture = {
      info: (...args: unknown[]) => lines.push(args),
      warn: (...args: unknown[]) => lines.push(args),
    };
    const message: MailMessage = {
      to: 'x@example.com',
      subject: 'Reset',
      text: 'https://shop.test/reset?uid=1&token=SECRET-TOKEN',
    };
    await consoleMailBackend(capture, { production: true }).send(message);
    expect(JSON.stringify(lines)).not.toContain('SECRET-TOKEN');
    expect(JSON.stringify(lines)).toContain('NOT sent');
    await consoleMailBackend(capture, { production: false }).send(message);
    expect(JSON.stringify(lines)).toContain('SECRET-TOKEN');
  });

  it('keeps the password-reset token out of the production log (the issue)', async () => {
    const chunks: string[] = [];
    const app = await createApp(defineApp({ name: 'resets', modules: [auth()] }), {
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: 'k3J9xQ2vLmP8wR5tY7uZ1aB4cD6eF0gHiJ-_sN',
        DATABASE_URL: 'sqlite::memory:',
        LOG_LEVEL: 'info',
      },
      envFile: false,
      logger: { destination: { write: (chunk: string) => chunks.push(chunk) } as never },
    });
    cleanups.push(() => app.stop());
    await app.mail.send({ to: 'x@example.com', subject: 'Reset', text: 'uid=1 token=abc-SECRET' });
    expect(chunks.join('')).not.toContain('abc-SECRET');
  });
});

describe('sendMail from a handler', () => {
  const placed = post(
    '/orders',
    { body: t.Object({ fail: t.Boolean() }), response: { 201: t.Object({ ok: t.Boolean() }) } },
    async (ctx) => {
      await ctx.db.transaction(async (tx) => {
        await sendMail(
          { mail: ctx.mail, db: tx },
          { to: 'buyer@example.com', subject: 'Order placed', text: 'ok' },
        );
        if (ctx.body.fail) throw new Error('rolled back');
      });
      return { ok: true };
    },
  );
  const shop = defineApp({ name: 'mailshop', modules: [auth()], routes: [placed] });

  it('sends after the commit, and nothing when the transaction rolls back', async () => {
    const client = await createTestClient(shop);
    cleanups.push(() => client.close());
    const outbox = (client.app.mail.backend as OutboxMailBackend).outbox;
    expect((await client.request({ method: 'POST', url: '/orders', payload: { fail: true } })).status).toBe(
      500,
    );
    expect(outbox).toHaveLength(0);
    expect((await client.request({ method: 'POST', url: '/orders', payload: { fail: false } })).status).toBe(
      201,
    );
    expect(outbox.map((m) => m.subject)).toEqual(['Order placed']);
  });

  it('delivers password-reset mail through MAIL_URL (SMTP) with MAIL_FROM', async () => {
    const smtp = await smtpServer();
    const client = await createTestClient(shop, {
      env: { MAIL_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'accounts@shop.test' },
    });
    cleanups.push(() => client.close());
    const { getAuth } = await import('basalt/auth');
    await getAuth(client.app).createUser(client.db!, {
      email: 'eve@shop.test',
      password: 'a long and decent password',
    });
    const res = await client.request({
      method: 'POST',
      url: '/auth/password/reset',
      payload: { email: 'eve@shop.test' },
    });
    expect(res.status).toBe(202);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.from).toBe('accounts@shop.test');
    expect(smtp.received[0]!.to).toEqual(['eve@shop.test']);
    expect(smtp.received[0]!.raw).toMatch(/token=/);
  });
});
