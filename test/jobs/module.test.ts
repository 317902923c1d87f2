import { getAuth } from 'basalt/auth';
import { getJobs } from 'basalt/jobs';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { jobsApp, Note, shout } from './fixtures/app.js';

const PASSWORD = 'correct horse battery staple';
const cases = [
  { name: 'SQLite', database: {} },
  ...(hasPostgres ? [{ name: 'PostgreSQL', database: { url: POSTGRES_URL } }] : []),
];

describe.each(cases)('jobs() in an app on $name', ({ database }) => {
  let client: TestClient<typeof jobsApp.routes>;
  let staff: string;
  let plain: string;

  const token = async (email: string) => {
    const res = await client.request({
      method: 'POST',
      url: '/auth/token',
      payload: { email, password: PASSWORD },
    });
    return `Bearer ${(res.body as { access: string }).access}`;
  };

  beforeAll(async () => {
    client = await createTestClient(jobsApp, { database });
    const auth = getAuth(client.app);
    await auth.createUser(client.db!, { email: 'staff@example.com', password: PASSWORD, isStaff: true });
    await auth.createUser(client.db!, { email: 'plain@example.com', password: PASSWORD });
    staff = await token('staff@example.com');
    plain = await token('plain@example.com');
  });
  afterAll(() => client?.close());

  it('enqueues through ctx.jobs in the request transaction: both exist, or neither', async () => {
    const ok = await client.post('/notes', { body: { text: 'kept' } });
    expect(ok.status).toBe(201);
    const { job } = ok.body as { note: number; job: string };
    const jobs = await getJobs(client.app);
    expect(await jobs.get(job)).toMatchObject({ task: shout.name, state: 'queued', input: { text: 'kept' } });

    const before = (await jobs.list({ task: shout.name })).length;
    const refused = await client.post('/notes', { body: { text: 'dropped', fail: true } });
    expect(refused.status).toBe(500);
    expect(await client.db!.query(Note).where({ text: 'dropped' }).first()).toBeUndefined();
    expect(await jobs.list({ task: shout.name })).toHaveLength(before);
  });

  it('binds task.enqueue to the started app, validating the payload', async () => {
    const job = await shout.enqueue({ text: 'bound' });
    expect((await job.get())?.input).toEqual({ text: 'bound' });
    await expect(shout.enqueue({ text: 5 } as never)).rejects.toMatchObject({
      code: 'BASALT_JOBS_INVALID_INPUT',
    });
  });

  it('serves the job endpoints to staff only', async () => {
    expect((await client.request({ method: 'GET', url: '/jobs' })).status).toBe(401);
    const forbidden = await client.request({
      method: 'GET',
      url: '/jobs',
      headers: { authorization: plain },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ code: 'BASALT_HTTP_FORBIDDEN' });
    const listed = await client.request({
      method: 'GET',
      url: '/jobs?state=queued',
      headers: { authorization: staff },
    });
    expect(listed.status).toBe(200);
    const jobs = (listed.body as { jobs: { id: string; state: string; enqueuedAt: string }[] }).jobs;
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((j) => j.state === 'queued')).toBe(true);
    expect(jobs[0]!.enqueuedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const stats = await client.request({
      method: 'GET',
      url: '/jobs/stats',
      headers: { authorization: staff },
    });
    expect(stats.body).toMatchObject({ queued: jobs.length, failed: 0 });
  });

  it('shows, cancels and retries a job over REST, with 404 and 409 problems', async () => {
    const auth = { authorization: staff };
    const job = await shout.enqueue({ text: 'rest' });
    const shown = await client.request({ method: 'GET', url: `/jobs/${job.id}`, headers: auth });
    expect(shown.body).toMatchObject({ id: job.id, task: shout.name, state: 'queued' });
    const missing = await client.request({ method: 'GET', url: '/jobs/123456789', headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'BASALT_JOBS_JOB_NOT_FOUND' });
    const early = await client.request({ method: 'POST', url: `/jobs/${job.id}/retry`, headers: auth });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'BASALT_JOBS_INVALID_STATE' });
    const cancelled = await client.request({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: auth });
    expect(cancelled.body).toMatchObject({ state: 'cancelled' });
    const again = await client.request({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: auth });
    expect(again.status).toBe(409);
    const retried = await client.request({ method: 'POST', url: `/jobs/${job.id}/retry`, headers: auth });
    expect(retried.body).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('refuses bad filters and purge bodies with 400 problems', async () => {
    const auth = { authorization: staff };
    const badState = await client.request({ method: 'GET', url: '/jobs?state=sleeping', headers: auth });
    expect(badState.status).toBe(400);
    expect(badState.body).toMatchObject({ code: 'BASALT_VALIDATION_FAILED' });
    const badLimit = await client.request({ method: 'GET', url: '/jobs?limit=100000', headers: auth });
    expect(badLimit.status).toBe(400);
    const badPurge = await client.request({
      method: 'POST',
      url: '/jobs/purge',
      headers: auth,
      payload: { state: 'queued' },
    });
    expect(badPurge.status).toBe(400);
    const purged = await client.request({
      method: 'POST',
      url: '/jobs/purge',
      headers: auth,
      payload: { state: 'cancelled', olderThan: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(purged.status).toBe(200);
    expect(purged.body).toMatchObject({ purged: expect.any(Number) });
  });
});
