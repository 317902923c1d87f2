import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, defineApp } from 'basalt';
import { auth, getAuth, User } from 'basalt/auth';
import { defineModel, f, sql } from 'basalt/db';
import { AuditEntry, audit, auditLog } from 'basalt/ops';
import { resource } from 'basalt/rest';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMigrations } from '../../src/db/migrations/makemigrations.js';
import { IMPORT_FROM } from '../db/migrations/command-harness.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// REST writes go through the operation layer, so resource() writes are recorded too; this
// app turns the log on for every collection (audit({ default: true })) and off for one.

const Ticket = defineModel(
  'ticket',
  {
    owner: f.belongsTo(() => User, { onDelete: 'cascade' }),
    title: f.string({ max: 200 }),
    status: f.enum({ choices: { open: 'Open', closed: 'Closed' }, default: 'open' }),
    apiKey: f.string({ max: 100, default: '', writeOnly: true }),
  },
  { timestamps: true },
);

const Draft = defineModel('draft', { text: f.string({ max: 200 }) });

const tickets = resource(Ticket, {
  path: '/api/tickets',
  writable: ['title', 'status', 'apiKey'],
  permissions: { read: 'authenticated', write: 'authenticated' },
  hooks: {
    beforeCreate({ data, actor }) {
      data.ownerId = Number(actor.user!.id);
    },
  },
});

const drafts = resource(Draft, {
  path: '/api/drafts',
  permissions: { read: 'anyone', write: 'anyone' },
  audit: false,
});

const helpdesk = defineApp({
  name: 'helpdesk',
  modules: [auth({ rateLimits: { ip: false, account: false } }), audit({ default: true })],
  models: [Ticket, Draft],
  routes: [...tickets.routes, ...drafts.routes],
});

const cases = [
  { name: 'SQLite', database: {} },
  ...(hasPostgres ? [{ name: 'PostgreSQL', database: { url: POSTGRES_URL } }] : []),
];

describe.each(cases)('audited REST writes on $name', ({ database }) => {
  let client: TestClient<typeof helpdesk.routes>;
  let user: { id: number; headers: Record<string, string> };

  beforeAll(async () => {
    client = await createTestClient(helpdesk, { database });
    const service = getAuth(client.app);
    const created = await service.createUser(client.db!, {
      email: 'desk@example.com',
      password: 'correct horse battery staple',
    });
    const tokens = await service.issueTokens(client.db!, created);
    user = { id: Number(created.id), headers: { authorization: `Bearer ${tokens.access}` } };
  });
  afterAll(() => client.close());

  it('records a POST, a PATCH and a DELETE through resource() with the request user', async () => {
    const post = await client.request({
      method: 'POST',
      url: '/api/tickets',
      headers: user.headers,
      payload: { title: 'Printer on fire', apiKey: 'key-live-0000secret' },
    });
    expect(post.status).toBe(201);
    const id = (post.body as { id: number }).id;
    const patch = await client.request({
      method: 'PATCH',
      url: `/api/tickets/${id}`,
      headers: user.headers,
      payload: { status: 'closed' },
    });
    expect(patch.status).toBe(200);
    const removed = await client.request({
      method: 'DELETE',
      url: `/api/tickets/${id}`,
      headers: user.headers,
    });
    expect(removed.status).toBe(204);

    const { entries } = await auditLog(client.db!).forObject(Ticket, id);
    expect(entries.map((e) => e.action)).toEqual(['delete', 'update', 'create']);
    for (const entry of entries)
      expect(entry.actor).toEqual({ kind: 'user', id: String(user.id), label: 'desk@example.com' });
    expect(entries[1]!.changes).toEqual({ status: ['open', 'closed'] });
    expect(entries[2]!.changes).toMatchObject({
      title: [null, 'Printer on fire'],
      ownerId: [null, user.id],
      status: [null, 'open'],
      apiKey: [null, '[redacted]'],
    });
    expect((await auditLog(client.db!).byActor(user.id)).entries).toHaveLength(3);
    const { rows } = await sql<{ changes: unknown }>`select changes from basalt_audit_entry`.execute(
      client.db!.kysely,
    );
    expect(JSON.stringify(rows)).not.toContain('key-live-0000secret');
  });

  it('records nothing for a resource with audit: false, even with the app default on', async () => {
    const before = await client.db!.query(AuditEntry).count();
    const post = await client.request({ method: 'POST', url: '/api/drafts', payload: { text: 'hello' } });
    expect(post.status).toBe(201);
    expect(await client.db!.query(AuditEntry).count()).toBe(before);
  });

  it('answers a refused write with its 4xx and records nothing', async () => {
    const before = await client.db!.query(AuditEntry).count();
    const anonymous = await client.request({ method: 'POST', url: '/api/tickets', payload: { title: 'x' } });
    expect(anonymous.status).toBe(401);
    const invalid = await client.request({
      method: 'POST',
      url: '/api/tickets',
      headers: user.headers,
      payload: { title: 'x'.repeat(201) },
    });
    expect(invalid.status).toBe(400);
    expect(await client.db!.query(AuditEntry).count()).toBe(before);
  });

  it('gets its table from the app migrations, as the tables of auth() do', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'basalt-audit-migrations-'));
    try {
      // The models makemigrations reads: every module's, audit()'s included.
      const created = await createApp(helpdesk, {
        env: { NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:' },
        envFile: false,
      });
      const models = [...new Set(created.modules.flatMap((m) => m.models ?? []))];
      await created.stop();
      await makeMigrations({ folder, models: models as never, importFrom: IMPORT_FROM });
      const [file] = readdirSync(folder).filter((name) => name.endsWith('.ts'));
      const migration = readFileSync(join(folder, file!), 'utf8');
      expect(migration).toContain("name: 'basaltAuditEntry'");
      expect(migration).toContain('basalt_audit_entry_object');

      const migrated = await createTestClient({ ...helpdesk, migrations: folder }, { database });
      try {
        const service = getAuth(migrated.app);
        const owner = await service.createUser(migrated.db!, {
          email: 'm@example.com',
          password: 'long enough pass',
        });
        const tokens = await service.issueTokens(migrated.db!, owner);
        const post = await migrated.request({
          method: 'POST',
          url: '/api/tickets',
          headers: { authorization: `Bearer ${tokens.access}` },
          payload: { title: 'Migrated' },
        });
        expect(post.status).toBe(201);
        const { entries } = await auditLog(migrated.db!).forObject(Ticket, (post.body as { id: number }).id);
        expect(entries).toHaveLength(1);
        expect(entries[0]!.changes.title).toEqual([null, 'Migrated']);
      } finally {
        await migrated.close();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
