import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, defineApp } from 'basalt';
import { auth } from 'basalt/auth';
import { describe, expect, it } from 'vitest';
import { deployChecks } from '../../src/app/deploy-checks.js';
import { ROOT, runBasalt } from './basalt-process.js';

const SECRET_KEY = 'k3J9xQ2vLmP8wR5tY7uZ1aB4cD6eF0gHiJ-_sN';
const resets = defineApp({ name: 'deploy', modules: [auth()] });

async function findings(env: Record<string, string>, deploy = true) {
  const app = await createApp(resets, {
    env: { NODE_ENV: 'production', SECRET_KEY, DATABASE_URL: 'sqlite::memory:', ...env },
    envFile: false,
  });
  try {
    return await app.check({ deploy });
  } finally {
    await app.stop();
  }
}

const ids = (messages: { id: string }[]) => messages.map((m) => m.id).sort();

describe('basalt check --deploy', () => {
  it('reports every production risk of a careless configuration, with hints', async () => {
    const messages = await findings({
      WORKERS: '4',
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: '*',
      DOCS: 'true',
      ALLOWED_HOSTS: '*',
      PUBLIC_URL: 'http://shop.example.com',
    });
    expect(ids(messages)).toEqual(
      [
        'core.W002',
        'db.W002',
        'http.I001',
        'http.W001',
        'http.W004',
        'http.W005',
        'http.W006',
        'mail.E001',
      ].sort(),
    );
    for (const message of messages) expect(message.hint).toEqual(expect.any(String));
    expect(messages.find((m) => m.id === 'mail.E001')!.level).toBe('error');
  });

  it('reports a missing ALLOWED_HOSTS, and nothing for a careful configuration', async () => {
    expect(ids(await findings({ WORKERS: '1' }))).toEqual(['http.W003', 'mail.E001']);
    expect(
      await findings({
        WORKERS: '2',
        MAIL_URL: 'smtp://smtp.example.com:587?requireTLS=true',
        ALLOWED_HOSTS: 'api.example.com',
        PUBLIC_URL: 'https://api.example.com',
        DATABASE_URL: 'postgres://app@127.0.0.1:5432/app',
        REDIS_URL: 'redis://127.0.0.1:6379/0',
      }).catch((error: unknown) => error),
    ).toEqual([]);
  });

  it('only warns about console mail at start, and reports nothing outside production', async () => {
    const atStart = await findings({ WORKERS: '1', ALLOWED_HOSTS: 'api.example.com' }, false);
    expect(ids(atStart)).toEqual(['mail.W001']);
    expect(atStart[0]!.level).toBe('warning');
    expect(await findings({ NODE_ENV: 'development', WORKERS: '4', CORS_ORIGINS: '*' })).toEqual([]);
  });

  it('documents every id in docs/reference/checks.md', async () => {
    const page = readFileSync(new URL('../../docs/reference/checks.md', import.meta.url), 'utf8');
    const messages = await findings({
      WORKERS: '4',
      LOG_LEVEL: 'trace',
      ALLOWED_HOSTS: '*',
      PUBLIC_URL: 'http://x.example.com',
    });
    const all = new Set([...ids(messages), ...ids(await findings({ WORKERS: '1' }))]);
    expect(all.size).toBeGreaterThan(deployChecks.length);
    for (const id of all) expect(page).toContain(`| \`${id}\` |`);
  });

  it('exits 1 from the command line on the bookshop in production, naming each finding', async () => {
    const env = { NODE_ENV: 'production', SECRET_KEY, DATABASE_URL: 'sqlite::memory:', WORKERS: '2' };
    const cwd = join(ROOT, 'examples', 'bookshop');
    const deploy = await runBasalt(['check', '--deploy'], { cwd, env });
    expect(deploy.code, deploy.stderr).toBe(1);
    expect(deploy.stdout).toContain('mail.E001 (error)');
    expect(deploy.stdout).toContain('http.W003 (warning)');
    expect(deploy.stdout).toContain('HINT: Set MAIL_URL=');
    expect(deploy.stdout).not.toContain('mail.W001');
    // At start the same configuration only warns: basalt check without --deploy exits 0.
    const start = await runBasalt(['check'], { cwd, env });
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain('mail.W001 (warning)');
    const fixed = await runBasalt(['check', '--deploy'], {
      cwd,
      env: { ...env, MAIL_URL: 'smtp://smtp.example.com:587', ALLOWED_HOSTS: 'api.example.com' },
    });
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
  }, 60_000);
});
