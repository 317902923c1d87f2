import { readFileSync } from 'node:fs';
import { createJobs, createWorker, getJobs } from 'basalt/jobs';
import { createTestClient, type TestClient } from 'basalt/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsCommands } from '../../src/jobs/commands.js';
import { enqueueExamples, Order, refundOrder, sendReceipt, shop } from './docs-examples.js';

const page = readFileSync(new URL('../../docs/jobs.md', import.meta.url), 'utf8');
const examples = readFileSync(new URL('./docs-examples.ts', import.meta.url), 'utf8');

function dedent(text: string): string {
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

describe('docs/jobs.md', () => {
  it('shows only code that is in docs-examples.ts', () => {
    const regions = new Set(
      [...examples.matchAll(/\/\/ #region \w+\n([\s\S]*?)\n\s*\/\/ #endregion/g)].map((m) => dedent(m[1]!)),
    );
    const blocks = [...page.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
    expect(blocks.length).toBe(regions.size);
    for (const block of blocks) expect(regions, block.split('\n')[0]).toContain(block);
  });

  it('names only commands and options that exist', () => {
    const known = new Map(jobsCommands.map((c) => [c.name, Object.keys(c.options ?? {})]));
    for (const [, sh] of page.matchAll(/```sh\n([\s\S]*?)\n```/g))
      for (const line of sh!.split('\n')) {
        const [, command, rest = ''] = /^basalt (\w+)(.*)$/.exec(line.split('#')[0]!.trim()) ?? [];
        expect(known.has(command!), line).toBe(true);
        for (const [, option] of rest.matchAll(/--([\w-]+)/g))
          expect(known.get(command!), line).toContain(option);
      }
  });

  describe('the examples, run', () => {
    let client: TestClient<typeof shop.routes>;
    beforeAll(async () => {
      client = await createTestClient(shop);
    });
    afterAll(() => client?.close());

    it('enqueues the receipt in the order transaction and runs it', async () => {
      const res = await client.post('/orders', { body: { email: 'ann@example.com' } });
      expect(res.status).toBe(201);
      const jobs = await getJobs(client.app);
      const [job] = await jobs.list({ task: sendReceipt.name });
      expect(job).toMatchObject({ queue: 'mail', input: { orderId: 1, email: 'ann@example.com' } });
      expect(job?.idempotencyKey).toBe('send-receipt/order-1');
      const refused = await client.post('/orders', { body: { email: 'not an email' } });
      expect(refused.status).toBe(400);
      expect(await client.db!.query(Order).count()).toBe(1);

      const worker = createWorker(jobs, { queues: ['mail'], log: pino({ level: 'silent' }) });
      try {
        expect(await jobs.handle(job!.id).result()).toEqual({ sent: true });
        const { later, again, receipts } = await enqueueExamples();
        expect(again.id).toBe(later.id);
        expect(await Promise.all(receipts.map(async (r) => (await r.get())?.input))).toEqual([
          { orderId: 9, email: 'cy@example.com' },
          { orderId: 10, email: 'di@example.com' },
        ]);
        expect(await receipts[0]!.state()).toBe('delayed');
        expect(await later.state()).toBe('delayed');
        expect((await later.get())?.priority).toBe(10);
      } finally {
        await worker.stop();
      }
    });

    it('fails the refund of a missing order at once, and refunds an existing one', async () => {
      const backend = (await getJobs(client.app)).backend;
      const jobs = createJobs({ backend, tasks: [refundOrder], bind: false, db: client.app.db! });
      const worker = createWorker(jobs, { log: pino({ level: 'silent' }) });
      try {
        const order = await client.db!.create(Order, { email: 'eve@example.com' });
        expect(await (await jobs.enqueue(refundOrder, { orderId: order.id })).result()).toEqual({
          refunded: order.id,
        });
        const missing = await jobs.enqueue(refundOrder, { orderId: 999_999 });
        await expect(missing.result({ timeout: 10_000 })).rejects.toMatchObject({
          code: 'BASALT_JOBS_INVALID_STATE',
        });
        expect(await missing.get()).toMatchObject({
          state: 'failed',
          attempts: 1,
          maxAttempts: 6,
          error: 'Order 999999 does not exist',
        });
      } finally {
        await worker.stop();
      }
    });
  });
});
