import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPasswordHasher, User } from 'basalt/auth';
import { createDatabase } from 'basalt/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../../examples/bookshop/models.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function basalt(args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['bin/basalt.js', ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

describe('createsuperuser and changepassword (bookshop, through bin/basalt.js)', () => {
  let dir: string;
  let env: Record<string, string>;
  const userRow = async (email: string) => {
    const db = createDatabase({ url: env.DATABASE_URL!, models: [...models] });
    try {
      return await db.query(User).where({ email }).first();
    } finally {
      await db.close();
    }
  };
  const passwordIs = async (email: string, password: string) =>
    (await createPasswordHasher().checkPassword(password, (await userRow(email))!.password)).valid;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-auth-cli-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, BASALT_SUPERUSER_PASSWORD: '' };
    expect((await basalt(['migrate'], env)).code).toBe(0);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a superuser from --no-input and BASALT_SUPERUSER_PASSWORD', async () => {
    const run = await basalt(['createsuperuser', '--no-input', '--email', 'Root@Example.com'], {
      ...env,
      BASALT_SUPERUSER_PASSWORD: 'a sturdy root password',
    });
    expect(run).toMatchObject({ code: 0, stdout: 'Superuser root@example.com created.\n' });
    expect(await userRow('root@example.com')).toMatchObject({
      isStaff: true,
      isSuperuser: true,
      isActive: true,
    });
    expect(await passwordIs('root@example.com', 'a sturdy root password')).toBe(true);
  });

  it('refuses a duplicate, a weak password and a missing email, creating nothing', async () => {
    const dup = await basalt(['createsuperuser', '--no-input', '--email', 'root@example.com'], {
      ...env,
      BASALT_SUPERUSER_PASSWORD: 'another sturdy password',
    });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    const weak = await basalt(['createsuperuser', '--no-input', '--email', 'weak@example.com'], {
      ...env,
      BASALT_SUPERUSER_PASSWORD: '12345678',
    });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/too common|entirely numeric/);
    expect(await userRow('weak@example.com')).toBeUndefined();
    const missing = await basalt(['createsuperuser', '--no-input'], env);
    expect(missing.code).toBe(1);
  });

  it('asks for the email and the password twice when not told', async () => {
    const run = await basalt(
      ['createsuperuser'],
      { ...env, BASALT_SUPERUSER_PASSWORD: undefined as unknown as string },
      'asked@example.com\nmismatch one here\nmismatch two here\nan asked-for password\nan asked-for password\n',
    );
    expect(run.stderr).toContain("didn't match");
    expect(run.code).toBe(0);
    expect(await passwordIs('asked@example.com', 'an asked-for password')).toBe(true);
  });

  it('changes a password read from stdin, and refuses bad ones', async () => {
    const ok = await basalt(
      ['changepassword', 'root@example.com'],
      env,
      'a brand new password\na brand new password\n',
    );
    expect(ok.code).toBe(0);
    expect(await passwordIs('root@example.com', 'a brand new password')).toBe(true);

    const bad = await basalt(['changepassword', 'root@example.com'], env, 'short\nshort\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('at least 8 characters');
    expect(await passwordIs('root@example.com', 'a brand new password')).toBe(true);

    const unknown = await basalt(['changepassword', 'nobody@example.com'], env, '');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No user');
  });
});
