import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createApp } from 'basalt';
import { runCli } from 'basalt/cli';
import { createJobs, databaseBackend, type Jobs } from 'basalt/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsApp, shout } from './fixtures/app.js';

const APP = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));

describe('basalt jobs list|show|retry|cancel|purge|stats', () => {
  let dir: string;
  let env: Record<string, string>;
  let jobs: Jobs;
  let close: () => Promise<void>;

  const cli = async (...args: string[]) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => {
      out += String(c);
    });
    stderr.on('data', (c: Buffer) => {
      err += String(c);
    });
    const code = await runCli(args, { cwd: dir, env, stdout, stderr });
    return { code, out, err };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-jobs-cli-'));
    env = { BASALT_APP: APP, DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, LOG_LEVEL: 'silent' };
    const app = await createApp(jobsApp, { envFile: false, env });
    await app.db!.createTables();
    const backend = databaseBackend({ db: app.db! });
    jobs = createJobs({ backend, tasks: [shout], bind: false, db: app.db! });
    close = async () => {
      await backend.close();
      await app.stop();
    };
  });
  afterAll(async () => {
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists, shows and counts jobs', async () => {
    const job = await jobs.enqueue(shout, { text: 'from the cli' });
    const list = await cli('jobs', 'list', '--state', 'queued');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^${job.id}\\s+queued\\s+fixture-shout\\s+0/1`, 'm'));
    const shown = await cli('jobs', 'show', job.id);
    expect(JSON.parse(shown.out)).toMatchObject({
      id: job.id,
      input: { text: 'from the cli' },
      state: 'queued',
    });
    const stats = await cli('jobs', 'stats', '--json');
    expect(JSON.parse(stats.out)).toMatchObject({ queued: 1, failed: 0 });
  });

  it('cancels, retries and purges', async () => {
    const job = await jobs.enqueue(shout, { text: 'to cancel' });
    expect((await cli('jobs', 'cancel', job.id)).out).toBe(`Job ${job.id} cancelled\n`);
    expect((await cli('jobs', 'retry', job.id)).out).toBe(`Job ${job.id} (fixture-shout) is queued again\n`);
    await cli('jobs', 'cancel', job.id);
    expect((await cli('jobs', 'purge', '--state', 'cancelled')).out).toBe('Purged 1 job\n');
    expect(await job.get()).toBeNull();
  });

  it('answers mistakes with a usage error or the error code, changing nothing', async () => {
    expect(await cli('jobs')).toMatchObject({
      code: 2,
      err: expect.stringContaining('jobs needs one of list'),
    });
    expect(await cli('jobs', 'frobnicate')).toMatchObject({ code: 2 });
    expect(await cli('jobs', 'show')).toMatchObject({
      code: 2,
      err: expect.stringContaining('needs a job id'),
    });
    expect(await cli('jobs', 'list', '--state', 'sleeping')).toMatchObject({ code: 2 });
    expect(await cli('jobs', 'list', '--limit', 'lots')).toMatchObject({ code: 2 });
    expect(await cli('jobs', 'purge', '--state', 'queued')).toMatchObject({ code: 2 });
    expect(await cli('jobs', 'purge', '--older-than', 'soon')).toMatchObject({ code: 2 });
    expect(await cli('worker', '--concurrency', '0')).toMatchObject({ code: 2 });
    expect(await cli('jobs', 'retry', '987654')).toMatchObject({
      code: 1,
      err: expect.stringContaining('[BASALT_JOBS_JOB_NOT_FOUND]'),
    });
    expect(await cli('jobs', 'show', '987654')).toMatchObject({ code: 1 });
  });

  it('jobs run runs a task now, in this process, with its input validated, queueing nothing', async () => {
    const before = await jobs.counts();
    expect(await cli('jobs', 'run', 'fixture-shout', '--input', '{"text":"now"}')).toEqual({
      code: 0,
      out: '"NOW"\n',
      err: '',
    });
    const napped = await cli('jobs', 'run', 'fixture-nap', '--input', '{"ms":1}');
    expect(napped.code).toBe(0);
    expect(JSON.parse(napped.out)).toEqual({ pid: process.pid });
    expect(await cli('jobs', 'run', 'fixture-heartbeat')).toMatchObject({ code: 0, out: 'null\n' });
    expect(await jobs.counts()).toEqual(before);
  });

  it('jobs run names the problem with bad JSON, invalid input, an unknown task or a failing task', async () => {
    const badJson = await cli('jobs', 'run', 'fixture-shout', '--input', '{text:1}');
    expect(badJson.code).toBe(2);
    expect(badJson.err).toContain('--input is not valid JSON');
    const invalid = await cli('jobs', 'run', 'fixture-shout', '--input', '{"text":7}');
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain("Invalid input for task 'fixture-shout'");
    expect(invalid.err).toContain('/input/text: must be string');
    const missing = await cli('jobs', 'run', 'fixture-shout');
    expect(missing).toMatchObject({
      code: 1,
      err: expect.stringContaining("/input/text: must have required property 'text'"),
    });
    const unknown = await cli('jobs', 'run', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain(
      // The built-in mail task (sendMail's) is one of them.
      "no task named 'nope'; the app's tasks are: basalt.mail.send, fixture-heartbeat, fixture-nap, fixture-shout",
    );
    expect(await cli('jobs', 'run')).toMatchObject({
      code: 2,
      err: expect.stringContaining('needs a task name'),
    });
    expect(await cli('jobs', 'list', '--input', '{}')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--input goes with jobs run only'),
    });
    const invalidMs = await cli('jobs', 'run', 'fixture-nap', '--input', '{"ms":-1}');
    expect(invalidMs).toMatchObject({ code: 1, err: expect.stringContaining('/input/ms: must be >= 0') });
    const input = JSON.stringify({ ms: 0, startedFile: join(dir, 'no-such-folder', 'started') });
    const failed = await cli('jobs', 'run', 'fixture-nap', '--input', input);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain("basalt: task 'fixture-nap' failed: Error: ENOENT");
  });
});
