import { createApp, defineApp, defineCheck, defineModule, get, PermissionDeniedError, t } from 'basalt';
import { defineModel, f } from 'basalt/db';
import { createTestClient } from 'basalt/testing';
import { describe, expect, it } from 'vitest';

describe('modules', () => {
  it('adds routes, checks, commands, context and hooks, each module once, dependencies first', async () => {
    const events: string[] = [];
    const base = defineModule({
      name: 'base',
      routes: [
        get('/base', { response: t.Object({ tenant: t.String() }) }, (ctx) => ({
          tenant: String((ctx as unknown as { tenant: string }).tenant),
        })),
      ],
      commands: [{ name: 'hello', summary: 'says hello', run: () => 0 }],
      setup(api) {
        api.provideContext((ctx) => {
          (ctx as unknown as { tenant: string }).tenant = 'acme';
        });
        api.onStart(() => void events.push('base:start'));
        api.onStop(() => void events.push('base:stop'));
      },
    });
    const feature = defineModule({
      name: 'feature',
      modules: [base],
      setup(api) {
        api.addRoutes(get('/feature', {}, () => ({ ok: true })));
        api.onStart(() => void events.push('feature:start'));
        api.onStop(() => void events.push('feature:stop'));
      },
    });
    const app = await createApp(defineApp({ name: 'm', modules: [feature, base] }), {
      envFile: false,
      env: { NODE_ENV: 'test' },
    });
    expect(app.modules.map((m) => m.name)).toEqual(['db', 'base', 'feature', 'm']);
    expect(app.routes.map((r) => r.path)).toEqual(['/base', '/feature']);
    expect(app.commands.map((c) => c.name)).toContain('hello');
    await app.start();
    expect((await app.fastify.inject({ url: '/base' })).json()).toEqual({ tenant: 'acme' });
    await app.stop();
    expect(events).toEqual(['base:start', 'feature:start', 'feature:stop', 'base:stop']);
  });

  it("includes the data layer's module in every app: the migration and data commands, before the app's", async () => {
    const hello = { name: 'hello', summary: 'Says hello', run: () => 0 };
    const app = await createApp(defineApp({ name: 'bare', commands: [hello] }), {
      envFile: false,
      env: { NODE_ENV: 'test' },
    });
    expect(app.modules.map((m) => m.name)).toEqual(['db', 'bare']);
    expect(app.db).toBeUndefined();
    const names = app.commands.map((c) => c.name);
    for (const name of ['makemigrations', 'migrate', 'showmigrations', 'sqlmigrate', 'dumpdata', 'loaddata'])
      expect(names.indexOf(name), name).toBeGreaterThanOrEqual(0);
    expect(names.at(-1)).toBe('hello');
    await app.stop();
  });

  it('runs request hooks before routing and after the answer', async () => {
    const seen: string[] = [];
    const gate = defineModule({
      name: 'gate',
      setup(api) {
        api.addRequestHook('onRequest', (request) => {
          if (request.headers['x-blocked']) throw new PermissionDeniedError('Blocked by the gate');
          seen.push(`before ${request.url}`);
        });
        api.addRequestHook('onResponse', (request, reply) => {
          seen.push(`after ${request.url} ${reply.statusCode}`);
        });
      },
    });
    const client = await createTestClient(
      defineApp({ modules: [gate], routes: [get('/open', {}, () => ({ ok: true }))] }),
    );
    expect((await client.request({ url: '/open' })).status).toBe(200);
    // A module's request hook refuses before any endpoint runs: no operation of the document
    // describes that 403, so this answer is not checked against it.
    const blocked = await client.request(
      { url: '/open', headers: { 'x-blocked': '1' } },
      { validateResponse: false },
    );
    expect(blocked.status).toBe(403);
    expect((blocked.body as { detail: string }).detail).toBe('Blocked by the gate');
    expect(seen).toEqual(['before /open', 'after /open 200', 'after /open 403']);
    await client.close();
  });

  it('refuses to start when a check reports an error, and reports the id and hint', async () => {
    const strict = defineCheck({
      name: 'strict',
      run: () => [
        { id: 'shop.E001', level: 'error', message: 'No currency configured', hint: 'Set SHOP_CURRENCY' },
      ],
    });
    const app = await createApp(defineApp({ name: 'c', checks: [strict] }), {
      envFile: false,
      env: { NODE_ENV: 'test' },
    });
    const messages = await app.check();
    expect(messages).toEqual([expect.objectContaining({ id: 'shop.E001', level: 'error' })]);
    await expect(app.start()).rejects.toMatchObject({
      code: 'BASALT_CHECK_FAILED',
      message: expect.stringContaining('HINT: Set SHOP_CURRENCY'),
    });
  });

  it('reports a crashing check as an error rather than crashing', async () => {
    const broken = defineCheck({
      name: 'broken',
      run: () => {
        throw new Error('kaput');
      },
    });
    const app = await createApp(defineApp({ checks: [broken] }), {
      envFile: false,
      env: { NODE_ENV: 'test' },
    });
    expect(await app.check()).toEqual([
      expect.objectContaining({ id: 'core.E000', message: expect.stringContaining('kaput') }),
    ]);
  });

  it('runs deploy-only checks only when asked', async () => {
    const deploy = defineCheck({
      name: 'db',
      deploy: true,
      run: () => [{ id: 'db.W001', level: 'warning', message: 'slow' }],
    });
    const app = await createApp(defineApp({ checks: [deploy] }), {
      envFile: false,
      env: { NODE_ENV: 'test' },
    });
    expect(await app.check()).toEqual([]);
    expect(await app.check({ deploy: true })).toHaveLength(1);
  });

  it('warns about CORS * in production through a built-in check', async () => {
    const app = await createApp(defineApp({}), {
      envFile: false,
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789',
        CORS_ORIGINS: '*',
        LOG_LEVEL: 'silent',
      },
    });
    expect((await app.check()).map((m) => m.id)).toContain('http.W001');
  });

  it('warns about decimals SQLite cannot keep exact', async () => {
    const Ledger = defineModel('ledger', {
      amount: f.decimal({ precision: 20, scale: 4 }),
      fee: f.decimal({ precision: 8, scale: 2 }),
    });
    const sqlite = await createApp(defineApp({ models: [Ledger] }), {
      envFile: false,
      env: { NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:' },
    });
    expect((await sqlite.check()).filter((m) => m.id === 'db.W001').map((m) => m.message)).toEqual([
      expect.stringContaining('ledger.amount has precision 20'),
    ]);
    await sqlite.stop();
  });

  it('reports readiness from module probes on /health/ready', async () => {
    let healthy = true;
    const db = defineModule({
      name: 'db',
      setup(api) {
        api.addReadinessProbe('database', () => {
          if (!healthy) throw new Error('connection refused');
        });
      },
    });
    const client = await createTestClient(defineApp({ modules: [db] }));
    expect((await client.request({ url: '/health/live' })).body).toEqual({ status: 'ok' });
    expect((await client.request({ url: '/health/ready' })).body).toEqual({
      status: 'ok',
      checks: { database: 'ok' },
    });
    healthy = false;
    const down = await client.request({ url: '/health/ready' });
    expect(down.status).toBe(503);
    expect((down.body as { detail: string }).detail).toContain('database: connection refused');
    await client.close();
  });
});
