// The admin's jobs page: counts per state, the newest jobs, retry and cancel through the
// app's jobs client (the database queue on SQLite), staff with `change_basaltjob` only.
import { Type } from '@sinclair/typebox';
import { defineApp } from 'basalt';
import { admin } from 'basalt/admin';
import { auth } from 'basalt/auth';
import { defineTask, getJobs, jobs } from 'basalt/jobs';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { adminApp } from './admin-app.js';
import { makeUser, signIn } from './helpers.js';

const ping = defineTask('ping', { input: Type.Object({ n: Type.Integer() }) }, () => 'pong');

const app = defineApp({
  name: 'queue',
  models: [],
  modules: [auth({ rateLimits: { ip: { max: 1000, window: '1m' } } }), jobs({ tasks: [ping] }), admin()],
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
});
