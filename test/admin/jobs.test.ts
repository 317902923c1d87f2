// The admin's jobs page: counts per state, the newest jobs, retry and cancel through the
// app's jobs client (the database queue on SQLite), staff with `change_basaltjob` only.
import { Type } from '@sinclair/typebox';
import { defineApp } from 'basalt';
import { admin } from 'basalt/admin';
import { auth } from 'basalt/auth';
import { defineSchedule, defineTask, getJobs, jobs } from 'basalt/jobs';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { adminApp } from './admin-app.js';
import { makeUser, signIn } from './helpers.js';

const ping = defineTask('ping', { input: Type.Object({ n: Type.Integer() }) }, () => 'pong');

// Once a year: the test never sees a tick of its own, only the admin's "Run now".
const yearly = defineSchedule('0 3 1 1 *', ping, { n: 42 }, { name: 'yearly-ping' });

const app = defineApp({
  name: 'queue',
  models: [],
  modules: [
    auth({ rateLimits: { ip: { max: 1000, window: '1m' } } }),
    jobs({ tasks: [ping], schedules: [yearly] }),
    admin(),
  ],
});

describe('the admin’s jobs page', () => {
  let client: TestClient<typeof app.routes>;
  const as = () => client as unknown as TestClient<typeof adminApp.routes>;
  beforeAll(async () => {
    client = await createTestClient(app);
  });
  afterAll(() => client.close());

  it('lists jobs with counts per state, and cancels and retries them', async () => {
    const queue = await getJobs(client.app);
    const first = await queue.enqueue(ping, { n: 1 });
    await queue.enqueue(ping, { n: 2 });
    const su = await signIn(as(), (await makeUser(as(), { superuser: true })).email);
    expect((await su.get('/admin/')).text).toContain('<a href="/admin/jobs/">Jobs</a>');
    const res = await su.get('/admin/jobs/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Queued (2)');
    expect(res.text).toContain(`<td>${first.id}</td><td>ping</td>`);
    const cancel = await su.post(`/admin/jobs/${encodeURIComponent(first.id)}/cancel`, {});
    expect(cancel.status).toBe(303);
    expect((await queue.get(first.id))?.state).toBe('cancelled');
    const cancelled = await su.get('/admin/jobs/?state=cancelled');
    expect(cancelled.text).toContain(`Job ${first.id} cancelled.`);
    expect(cancelled.text).toContain('<button type="submit">Retry</button>');
    const retry = await su.post(`/admin/jobs/${encodeURIComponent(first.id)}/retry`, {});
    expect(retry.status).toBe(303);
    expect((await queue.get(first.id))?.state).toBe('queued');
    // Retrying a queued job is the queue's 409: shown as a message, nothing changes.
    await su.post(`/admin/jobs/${encodeURIComponent(first.id)}/retry`, {});
    expect((await su.get('/admin/jobs/')).text).toMatch(/class="error"/);
    expect((await su.get('/admin/jobs/?state=nope')).status).toBe(400);
  });

  it('shows jobs to staff, but retry and cancel need change_basaltjob and the CSRF token', async () => {
    const queue = await getJobs(client.app);
    const job = await queue.enqueue(ping, { n: 3 });
    const staff = await signIn(as(), (await makeUser(as())).email);
    const page = await staff.get('/admin/jobs/');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<button type="submit">Cancel</button>');
    expect((await staff.post(`/admin/jobs/${encodeURIComponent(job.id)}/cancel`, {})).status).toBe(403);
    const su = await signIn(as(), (await makeUser(as(), { superuser: true })).email);
    const forged = await su.post(`/admin/jobs/${encodeURIComponent(job.id)}/cancel`, {}, { token: null });
    expect(forged.status).toBe(403);
    expect((await queue.get(job.id))?.state).toBe('queued');
  });

  it('runs a scheduled task now, once, with change_basaltjob and the CSRF token', async () => {
    const queue = await getJobs(client.app);
    const runs = async () =>
      (await queue.list({ task: 'ping', limit: 100 })).filter((j) => (j.input as { n: number }).n === 42);
    const su = await signIn(as(), (await makeUser(as(), { superuser: true })).email);
    const page = await su.get('/admin/jobs/');
    expect(page.text).toContain('<h2 id="schedules">Scheduled tasks</h2>');
    expect(page.text).toContain('<code>0 3 1 1 *</code> UTC');
    expect(page.text).toContain('<input type="hidden" name="schedule" value="yearly-ping">');
    // No token, or no permission: refused, nothing enqueued.
    expect((await su.post('/admin/jobs/run', { schedule: 'yearly-ping' }, { token: null })).status).toBe(403);
    const staff = await signIn(as(), (await makeUser(as())).email);
    expect((await staff.get('/admin/jobs/')).text).not.toContain('Run now');
    expect((await staff.post('/admin/jobs/run', { schedule: 'yearly-ping' })).status).toBe(403);
    expect(await runs()).toHaveLength(0);
    const ran = await su.post('/admin/jobs/run', { schedule: 'yearly-ping' });
    expect(ran.status).toBe(303);
    const enqueued = await runs();
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]!.state).toBe('queued');
    expect((await su.get('/admin/jobs/')).text).toContain(
      `Task ping queued to run now (job ${enqueued[0]!.id}).`,
    );
    expect((await su.post('/admin/jobs/run', { schedule: 'nightly' })).status).toBe(404);
  });
});
