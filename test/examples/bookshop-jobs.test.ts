import { getAuth, type TokenPair } from 'basalt/auth';
import { createWorker, getJobs, type Jobs } from 'basalt/jobs';
import { createTestClient, type TestClient } from 'basalt/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bookshop from '../../examples/bookshop/app.js';
import { Book } from '../../examples/bookshop/models.js';
import { seed } from '../../examples/bookshop/seed.js';
import { salesReport, sendOrderConfirmation } from '../../examples/bookshop/tasks.js';
import { getSchedules } from '../../src/jobs/module.js';

const PASSWORD = 'a long enough bookshop password';
const log = pino({ level: 'silent' });

// The bookshop's jobs (examples/bookshop/tasks.ts): an order confirmation mailed by a job
// enqueued in the transaction that places the order, and a nightly sales report.
describe('bookshop jobs: order confirmation and nightly sales report', () => {
  let client: TestClient<typeof bookshop.routes>;
  let jobs: Jobs;
  let headers: Record<string, string>;

  beforeAll(async () => {
    client = await createTestClient(bookshop);
    await seed(client.app.db!, getAuth(client.app));
    jobs = await getJobs(client.app);
    const signed = await client.request({
      method: 'POST',
      url: '/api/signup',
      payload: { name: 'Carol', email: 'carol@jobs.test', password: PASSWORD },
    });
    expect(signed.status).toBe(201);
    const res = await client.request({
      method: 'POST',
      url: '/auth/token',
      payload: { email: 'carol@jobs.test', password: PASSWORD },
    });
    headers = { authorization: `Bearer ${(res.body as TokenPair).access}` };
  });
  afterAll(() => client?.close());

  it('enqueues the confirmation with the order, and a worker mails it', async () => {
    const book = await client.db!.query(Book).first();
    const placed = await client.request({
      method: 'POST',
      url: '/api/orders',
      headers,
      payload: { lines: [{ bookId: book!.id, quantity: 2 }] },
    });
    expect(placed.status).toBe(201);
    const orderId = (placed.body as { id: number }).id;
    const [job] = await jobs.list({ task: sendOrderConfirmation.name });
    expect(job).toMatchObject({ state: 'queued', queue: 'mail', input: { orderId } });

    const worker = createWorker(jobs, { queues: ['mail'], log });
    try {
      expect(await jobs.handle(job!.id).result()).toEqual({
        to: 'carol@jobs.test',
        subject: `Your bookshop order #${orderId}`,
      });
    } finally {
      await worker.stop();
    }
  });

  it('enqueues nothing for an order that is refused', async () => {
    const before = (await jobs.list({ task: sendOrderConfirmation.name })).length;
    const refused = await client.request({
      method: 'POST',
      url: '/api/orders',
      headers,
      payload: { lines: [{ bookId: 999_999, quantity: 1 }] },
    });
    expect(refused.status).toBe(400);
    expect(await jobs.list({ task: sendOrderConfirmation.name })).toHaveLength(before);
  });

  it('schedules the sales report nightly, in London time, and reports the takings', async () => {
    const [nightly] = getSchedules(client.app);
    expect(nightly).toMatchObject({ name: 'nightly-sales-report', timezone: 'Europe/London', catchUp: 1 });
    // 02:00 in London in November is 02:00 UTC; in July it is 01:00 UTC.
    expect(nightly!.next(new Date('2026-11-24T12:00:00Z'))?.toISOString()).toBe('2026-11-25T02:00:00.000Z');
    expect(nightly!.next(new Date('2026-07-01T12:00:00Z'))?.toISOString()).toBe('2026-07-02T01:00:00.000Z');

    const report = await jobs.enqueue(salesReport, { days: 1 });
    const worker = createWorker(jobs, { queues: ['reports'], log });
    try {
      expect(await report.result()).toMatchObject({
        orders: 1,
        takings: expect.stringMatching(/^\d+\.\d\d$/),
      });
    } finally {
      await worker.stop();
    }
    await expect(jobs.enqueue(salesReport, { days: 0 })).rejects.toMatchObject({
      code: 'BASALT_JOBS_INVALID_INPUT',
    });
  });
});
