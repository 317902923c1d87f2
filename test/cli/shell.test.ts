import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './basalt-process.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `basalt <args> --app examples/bookshop/app.ts`, with `input` piped to its stdin. */
function basalt(args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args, '--app', 'examples/bookshop/app.ts'],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn', ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

describe('basalt shell on the bookshop', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-shell-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'app.db')}` };
    expect(await basalt(['migrate'], env)).toMatchObject({ code: 0 });
    const loaded = await basalt(['loaddata', 'examples/bookshop/fixtures/catalogue.json'], env);
    expect(loaded).toMatchObject({ code: 0 });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('binds models, db, tasks and the app; top-level await enqueues a job; Dates round-trip', async () => {
    const script = [
      'const book = await db.query(Book).first()',
      "console.log('read:', book.createdAt instanceof Date, book.createdAt <= new Date(), Object.prototype.toString.call(book.createdAt))",
      'const newer = await db.query(Book).where({ createdAt: { lte: new Date() } }).count()',
      'const same = await db.query(Book).where({ id: book.id, createdAt: book.createdAt }).first()',
      "console.log('written:', newer, same.createdAt instanceof Date, same.createdAt.getTime() === book.createdAt.getTime())",
      "new Date('2001-02-03T00:00:00Z')",
      'const job = await sendOrderConfirmation.enqueue({ orderId: 1 })',
      "console.log('job:', job.task, await job.state())",
      "console.log('listed:', (await jobs.list({ task: 'send-order-confirmation' })).length)",
      "console.log('app:', app.definition.name, typeof salesReport.enqueue, typeof sql, typeof OrderLine)",
      '.exit',
      '',
    ].join('\n');
    const result = await basalt(['shell'], env, script);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /Basalt shell: app, db, sql, .*\bBook\b.*\bOrderLine\b.*, jobs, .*\bsendOrderConfirmation, salesReport\b/,
    );
    expect(result.stdout).toContain('read: true true [object Date]');
    expect(result.stdout).toContain('written: 5 true true');
    // The REPL shows a Date as a Date (no quotes), not as a string.
    expect(result.stdout).toMatch(/^(basalt> )*2001-02-03T00:00:00\.000Z$/m);
    expect(result.stdout).toContain('job: send-order-confirmation queued');
    expect(result.stdout).toContain('listed: 1');
    expect(result.stdout).toContain('app: bookshop function function object');
  }, 120_000);

  it('says what went wrong in the shell without leaving it', async () => {
    const script = [
      'await salesReport.enqueue({ days: 0 })',
      "console.log('still here:', await db.query(Book).count())",
      '.exit',
      '',
    ].join('\n');
    const result = await basalt(['shell'], env, script);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain("Invalid input for task 'sales-report'");
    expect(result.stdout).toContain('still here: 5');
  }, 120_000);
});
