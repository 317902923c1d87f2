import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type BasaltApp, createApp, defineApp, RateLimitModel } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { get } from 'basalt/http';
import { createTestDatabase } from 'basalt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { makeMigrations } from '../../../src/db/migrations/makemigrations.js';
import { createDatabaseRateLimitStore } from '../../../src/http/rate-limit/index.js';
import { IMPORT_FROM, runCommand } from '../../db/migrations/command-harness.js';
import { hasPostgres, POSTGRES_URL } from '../../support/postgres.js';

// The database rate-limit store's table is a Basalt-owned model (RateLimitModel) that
// createApp adds to every app with a database: makemigrations writes it, migrate creates it,
// and the store refuses (naming the fix) a database where it is missing.

const Note = defineModel('rlNote', { text: f.string({ max: 50 }) });
const limited = get('/limited', { rateLimit: { max: 3, window: '1m' } }, () => ({}));

const folders: string[] = [];
const apps: BasaltApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'basalt-rl-table-'));
  folders.push(folder);
  return folder;
}

/** A logger destination keeping every line, for what the app logged. */
function logLines() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { destination, text: () => lines.join('') };
}

const statuses = async (app: BasaltApp, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1)
    out.push((await app.fastify.inject({ method: 'GET', url: '/limited' })).statusCode);
  return out;
};

describe('the rate-limit table in an app', () => {
  it('is written by makemigrations and created by migrate; the database store counts from then on', async () => {
    const folder = tempFolder();
    const migrations = join(folder, 'migrations');
    const logs = logLines();
    const definition = defineApp({ name: 'rl-table', models: [Note], routes: [limited], migrations });
    const app = await createApp(definition, {
      envFile: false,
      env: {
        NODE_ENV: 'development',
        DATABASE_URL: `sqlite:${join(folder, 'app.db')}`,
        RATE_LIMIT_STORE: 'database',
        LOG_LEVEL: 'error',
      },
      logger: { destination: logs.destination },
    });
    apps.push(app);

    // Not migrated yet: the store cannot count, so requests are let through, and the log says why.
    expect(await statuses(app, 4)).toEqual([200, 200, 200, 200]);
    expect(logs.text()).toContain('The rate-limit table basalt_rate_limit does not exist');
    expect(logs.text()).toContain('run `basalt migrate`');

    const dry = await runCommand(app, 'makemigrations', [], { 'dry-run': true, 'no-input': true });
    expect(dry.stdout).toContain("name: 'basaltRateLimit'");
    expect(dry.stdout).toContain("key: { kind: 'string', unique: true, max: 512 }");
    const models = app.modules.flatMap((m) => m.models ?? []) as (typeof RateLimitModel)[];
    expect(models).toContain(RateLimitModel);
    await makeMigrations({ folder: migrations, models, importFrom: IMPORT_FROM });
    expect(await runCommand(app, 'migrate')).toMatchObject({ code: 0 });
    expect((await runCommand(app, 'makemigrations', [], { check: true })).code).toBe(0);

    expect(await statuses(app, 4)).toEqual([200, 200, 200, 429]);
  });

  it('is not added to an app without models (which opens no database)', async () => {
    const app = await createApp(defineApp({ name: 'rl-no-db', routes: [limited] }), {
      envFile: false,
      env: { NODE_ENV: 'test' },
    });
    apps.push(app);
    expect(app.db).toBeUndefined();
    expect(app.modules.flatMap((m) => m.models ?? [])).not.toContain(RateLimitModel);
  });
});

describe('createDatabaseRateLimitStore on a database without the table', () => {
  const cases = [
    { name: 'SQLite', skip: false, url: () => `sqlite:${join(tempFolder(), 'empty.db')}` },
    { name: 'PostgreSQL', skip: !hasPostgres, url: () => POSTGRES_URL },
  ];
  it.each(cases)('refuses it on $name with BASALT_CONFIG_INVALID, naming the fix', async ({ skip, url }) => {
    if (skip) return;
    // An empty database (PostgreSQL: a schema of its own) where nothing was migrated.
    const test = await createTestDatabase({ models: [], url: url() });
    try {
      const failure = createDatabaseRateLimitStore({ kysely: test.db.kysely as never });
      await expect(failure).rejects.toMatchObject({ code: 'BASALT_CONFIG_INVALID' });
      await expect(failure).rejects.toThrow(/basalt_rate_limit does not exist.*basalt migrate/);
    } finally {
      await test.close();
    }
  });
});
