import type { AddressInfo } from 'node:net';
import { defineApp, sendMail } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { post, t } from 'basalt/http';
import { createWorker, getJobs, jobs, type Worker } from 'basalt/jobs';
import { createTestClient, type TestClient } from 'basalt/testing';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../jobs/backend.contract.js';

// sendMail in an app with jobs(): the message becomes a job of the built-in mail task, in the
// request's transaction, delivered by a worker to a real SMTP server on 127.0.0.1, retried on
// a temporary SMTP failure and failed at once on a permanent one.

interface Received {
  to: string[];
  raw: string;
}

/** A real SMTP server; `tempFail` answers 451 to that many messages first, `refuse` 550s an address. */
async function smtpServer(options: { tempFail?: number; refuse?: string } = {}) {
  const received: Received[] = [];
  let tempFail = options.tempFail ?? 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address === options.refuse)
        return callback(Object.assign(new Error('No such mailbox here'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (tempFail > 0) {
          tempFail -= 1;
          return callback(Object.assign(new Error('Greylisted, try again later'), { responseCode: 451 }));
        }
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const Order = defineModel('mailOrder', { email: f.string({ max: 200 }) });

const place = post(
  '/orders',
  {
    body: t.Object({ email: t.String(), fail: t.Optional(t.Boolean()) }),
    response: { 201: t.Object({ id: t.Integer() }) },
  },
  async (ctx) =>
    ctx.db.transaction(async (tx) => {
      const order = await tx.create(Order, { email: ctx.body.email });
      await sendMail(
        { mail: ctx.mail, db: tx },
        {
          to: ctx.body.email,
          subject: `Order ${order.id} placed`,
          text: 'Thank you.',
          attachments: [
            { filename: 'invoice.txt', content: 'total: 10.99' },
            {
              filename: 'logo.bin',
              content: new Uint8Array([0, 1, 2, 250, 255]),
              contentType: 'image/x-test',
            },
          ],
        },
      );
      if (ctx.body.fail) throw new Error('the order is refused after the mail was queued');
      return { id: order.id };
    }),
);

const shop = defineApp({
  name: 'mail-task-shop',
  modules: [jobs({ tasks: [], prefix: false, mail: { retries: 2, backoff: { type: 'fixed', delay: 50 } } })],
  models: [Order],
  routes: [place],
});

const log = pino({ level: 'silent' });

describe('sendMail with jobs() on the database backend', () => {
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  let client: TestClient<typeof shop.routes>;
  let worker: Worker | undefined;

  beforeAll(async () => {
    smtp = await smtpServer({ tempFail: 1, refuse: 'nobody@shop.test' });
    client = await createTestClient(shop, {
      env: {
        MAIL_URL: `smtp://127.0.0.1:${smtp.port}?pool=false`,
        MAIL_FROM: 'orders@shop.test',
        JOBS_BACKEND: 'database',
      },
    });
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });
  afterAll(async () => {
    await client?.close();
    await smtp?.close();
  });

  it('enqueues the mail in the request transaction, and a worker delivers it after an SMTP 451', async () => {
    const queue = await getJobs(client.app);
    const refused = await client.post('/orders', { body: { email: 'gone@shop.test', fail: true } });
    expect(refused.status).toBe(500);
    expect(await queue.list({ task: 'basalt.mail.send' })).toEqual([]);

    const res = await client.post('/orders', { body: { email: 'ann@shop.test' } });
    expect(res.status).toBe(201);
    // Queued, not sent by the request.
    const [job] = await queue.list({ task: 'basalt.mail.send' });
    expect(job).toMatchObject({ state: 'queued', input: { to: 'ann@shop.test' } });
    expect(smtp.received).toEqual([]);

    worker = createWorker(queue, { log });
    await eventually(async () => (await queue.get(job!.id))?.state === 'completed');
    // The first attempt met the 451; the second went through.
    expect(await queue.get(job!.id)).toMatchObject({ attempts: 2, error: expect.stringContaining('451') });
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.to).toEqual(['ann@shop.test']);
    expect(mail!.raw).toContain(`Subject: Order ${res.body.id} placed`);
    expect(mail!.raw).toMatch(/^From: orders@shop\.test/m);
    expect(mail!.raw).toContain(Buffer.from('total: 10.99').toString('base64'));
    // The bytes of the binary attachment, intact after their trip through the job's JSON.
    expect(mail!.raw).toContain(Buffer.from([0, 1, 2, 250, 255]).toString('base64'));
  });

  it('fails the job at once when the SMTP server refuses the recipient for good (550)', async () => {
    const queue = await getJobs(client.app);
    const res = await client.post('/orders', { body: { email: 'nobody@shop.test' } });
    expect(res.status).toBe(201);
    const [job] = await queue.list({ task: 'basalt.mail.send', state: 'queued' });
    worker = createWorker(queue, { log });
    await eventually(async () => (await queue.get(job!.id))?.state === 'failed');
    expect(await queue.get(job!.id)).toMatchObject({
      state: 'failed',
      attempts: 1,
      maxAttempts: 3,
      error: expect.stringContaining('550'),
    });
    expect(smtp.received.some((m) => m.to.includes('nobody@shop.test'))).toBe(false);
  });

  it('refuses a message without a recipient with a 400, and queues nothing', async () => {
    const queue = await getJobs(client.app);
    const before = (await queue.list({ task: 'basalt.mail.send', limit: 100 })).length;
    const res = await client.post('/orders', { body: { email: '' } });
    expect(res.status).toBe(400);
    expect(res.problem).toMatchObject({ code: 'BASALT_JOBS_INVALID_INPUT' });
    expect(res.problem?.errors).toContainEqual(
      expect.objectContaining({ pointer: '/input/to', code: 'minLength' }),
    );
    expect(await queue.list({ task: 'basalt.mail.send', limit: 100 })).toHaveLength(before);
  });
});

describe('sendMail with jobs({ mail: false })', () => {
  it('sends after the commit in the request, as without jobs', async () => {
    const smtp = await smtpServer();
    const app = defineApp({
      ...shop,
      name: 'mail-inline',
      modules: [jobs({ tasks: [], prefix: false, mail: false })],
    });
    const inline = await createTestClient(app, {
      env: { MAIL_URL: `smtp://127.0.0.1:${smtp.port}?pool=false`, JOBS_BACKEND: 'database' },
    });
    try {
      expect((await inline.post('/orders', { body: { email: 'bo@shop.test' } })).status).toBe(201);
      expect(smtp.received.map((m) => m.to)).toEqual([['bo@shop.test']]);
      expect(await (await getJobs(inline.app)).list({ task: 'basalt.mail.send' })).toEqual([]);
    } finally {
      await inline.close();
      await smtp.close();
    }
  });
});
