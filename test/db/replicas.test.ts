import { defineApp } from 'basalt';
import { createDatabase, defineModel, f, sql } from 'basalt/db';
import { get, post, t } from 'basalt/http';
import { createTestClient, type TestClient } from 'basalt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAN_RUN_POSTGRES, freePort, PrivatePostgres, until } from '../support/private-postgres.js';

// A real primary and a real streaming replica, started by this file on ports of its own
// (initdb, pg_basebackup -R); the machine's PostgreSQL is not touched. Replay on the replica
// is paused to make it fall behind: what a read then sees tells which server answered.

if (!CAN_RUN_POSTGRES && process.env.BASALT_REQUIRE_SERVICES)
  throw new Error('The replica suite needs the PostgreSQL binaries (/usr/lib/postgresql/*/bin)');

const Note = defineModel('replica_note', { text: f.string({ max: 100 }) });

const notes = defineApp({
  name: 'replicas',
  models: [Note],
  routes: [
    post('/notes', { body: t.Object({ text: t.String() }) }, async ({ body, db }) => {
      const note = await db.create(Note, { text: body.text });
      return { id: note.id };
    }),
    // By key (the primary-key path) …
    get('/notes/:id', { params: t.Object({ id: t.Integer() }) }, async ({ params, db }) =>
      db.get(Note, params.id),
    ),
    // … and through a filtered list.
    get('/notes/:id/listed', { params: t.Object({ id: t.Integer() }) }, async ({ params, db }) => ({
      found: (await db.query(Note).where({ id: params.id }).all()).length === 1,
    })),
    get('/notes/:id/in-transaction', { params: t.Object({ id: t.Integer() }) }, async ({ params, db }) =>
      db.transaction(async (tx) => ({
        found: (await tx.query(Note).where({ id: params.id }).first()) !== null,
      })),
    ),
    // A write, then a read of it in the same request.
    post('/notes/and-read', { body: t.Object({ text: t.String() }) }, async ({ body, db }) => {
      const note = await db.create(Note, { text: body.text });
      const again = await db.query(Note).where({ id: note.id }).first();
      const count = await db.query(Note).where({ id: note.id }).count();
      return { found: again !== null, count };
    }),
  ],
});

describe.skipIf(!CAN_RUN_POSTGRES)('read replicas (DATABASE_REPLICA_URLS)', () => {
  let primary: PrivatePostgres;
  let replica: PrivatePostgres;
  let client: TestClient<typeof notes.routes>;
  let replicaDb: ReturnType<typeof createDatabase>;

  const onReplica = async (id: number) =>
    (
      await sql<{ n: number }>`select count(*)::int as n from replica_note where id = ${id}`.execute(
        replicaDb.kysely,
      )
    ).rows[0]!.n === 1;

  beforeAll(async () => {
    primary = new PrivatePostgres(await freePort());
    primary.init();
    primary.start();
    replica = new PrivatePostgres(await freePort());
    replica.replicate(primary);
    replica.start();
    replicaDb = createDatabase({ url: replica.url, models: [] });
    client = await createTestClient(notes, {
      database: false,
      env: {
        DATABASE_URL: primary.url,
        DATABASE_REPLICA_URLS: replica.url,
        DATABASE_POOL_SIZE: '4',
        SERVICE_TIMEOUT: '2',
        LOG_LEVEL: 'error',
      },
    });
    await client.app.db!.createTables();
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await replicaDb?.close().catch(() => undefined);
    replica?.remove();
    primary?.remove();
  }, 60_000);

  it('reads from the replica, the writer reads its own write from the primary, and falls back when the replica dies', async () => {
    // Caught up: a note written through the app reaches the replica.
    const first = await client.post('/notes', { body: { text: 'first' } });
    expect(first.status).toBe(201);
    const firstId = (first.body as { id: number }).id;
    await until('the replica to replay the first note', () => onReplica(firstId));

    // Fallen behind: replay paused, a second note is only on the primary.
    await sql`select pg_wal_replay_pause()`.execute(replicaDb.kysely);
    const second = await client.post('/notes', { body: { text: 'second' } });
    expect(second.status).toBe(201);
    const secondId = (second.body as { id: number }).id;
    const cookie = String(second.headers['set-cookie'] ?? '');
    expect(cookie).toMatch(/^basalt_lsn=[0-9A-F]+\/[0-9A-F]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax/);
    expect(await onReplica(secondId)).toBe(false);

    // Another client (no cookie) reads from the replica: the second note is not there yet.
    const stale = await client.get('/notes/:id', { params: { id: secondId }, headers: { cookie: '' } });
    expect(stale.status).toBe(404);
    expect(
      (await client.get('/notes/:id/listed', { params: { id: secondId }, headers: { cookie: '' } })).body,
    ).toEqual({
      found: false,
    });
    // The writer's next request carries the cookie: the replica is behind it, so the primary answers.
    const own = await client.get('/notes/:id', {
      params: { id: secondId },
      headers: { cookie: cookie.split(';')[0]! },
    });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id: secondId, text: 'second' });
    const ownListed = await client.get('/notes/:id/listed', {
      params: { id: secondId },
      headers: { cookie: cookie.split(';')[0]! },
    });
    expect(ownListed.body).toEqual({ found: true });
    // A read inside a transaction goes to the primary.
    const inTx = await client.get('/notes/:id/in-transaction', {
      params: { id: secondId },
      headers: { cookie: '' },
    });
    expect(inTx.body).toEqual({ found: true });
    // A write then a read in one request: the read follows the write to the primary.
    const same = await client.post('/notes/and-read', { body: { text: 'third' }, headers: { cookie: '' } });
    expect(same.body).toEqual({ found: true, count: 1 });
    // A cookie that is not an LSN is ignored (no error), and the replica answers.
    const junk = await client.get('/notes/:id', {
      params: { id: secondId },
      headers: { cookie: 'basalt_lsn=nonsense' },
    });
    expect(junk.status).toBe(404);

    // Caught up again: the replica shows the second note to everyone.
    await sql`select pg_wal_replay_resume()`.execute(replicaDb.kysely);
    await until('the replica to replay the second note', () => onReplica(secondId));
    expect(
      (await client.get('/notes/:id', { params: { id: secondId }, headers: { cookie: '' } })).status,
    ).toBe(200);

    // Dead: every read falls back to the primary, none fails.
    await sql`select pg_wal_replay_pause()`.execute(replicaDb.kysely);
    const fourth = await client.post('/notes', { body: { text: 'fourth' } });
    const fourthId = (fourth.body as { id: number }).id;
    await replicaDb.close();
    replica.stop();
    for (let i = 0; i < 5; i++) {
      const read = await client.get('/notes/:id', { params: { id: fourthId }, headers: { cookie: '' } });
      expect(read.status).toBe(200);
    }
  }, 60_000);
});

describe.skipIf(!CAN_RUN_POSTGRES)('pool settings from the URL and the environment', () => {
  let server: PrivatePostgres;

  beforeAll(async () => {
    server = new PrivatePostgres(await freePort());
    server.init();
    server.start();
  }, 60_000);

  afterAll(() => server?.remove());

  const connections = async (name: string) => {
    const probe = createDatabase({ url: server.url, models: [] });
    try {
      const result = await sql<{
        n: number;
      }>`select count(*)::int as n from pg_stat_activity where application_name = ${name}`.execute(
        probe.kysely,
      );
      return result.rows[0]!.n;
    } finally {
      await probe.close();
    }
  };

  it('opens no more connections than pool_size in the URL', async () => {
    const db = createDatabase({ url: `${server.url}?pool_size=2&application_name=pool_two`, models: [] });
    try {
      await Promise.all(Array.from({ length: 6 }, () => sql`select pg_sleep(0.05)`.execute(db.kysely)));
      expect(await connections('pool_two')).toBe(2);
    } finally {
      await db.close();
    }
  });

  it('lets DATABASE_POOL_SIZE win over the URL', async () => {
    const db = createDatabase({
      url: `${server.url}?pool_size=2&application_name=pool_three`,
      models: [],
      poolSize: 3,
    });
    try {
      await Promise.all(Array.from({ length: 6 }, () => sql`select pg_sleep(0.05)`.execute(db.kysely)));
      expect(await connections('pool_three')).toBe(3);
    } finally {
      await db.close();
    }
  });

  it('cancels a statement over the statement timeout', async () => {
    const db = createDatabase({ url: server.url, models: [], statementTimeoutMs: 100 });
    try {
      await expect(sql`select pg_sleep(2)`.execute(db.kysely)).rejects.toMatchObject({ code: '57014' });
      // A short one still runs.
      await expect(sql`select 1 as one`.execute(db.kysely)).resolves.toMatchObject({ rows: [{ one: 1 }] });
    } finally {
      await db.close();
    }
  });

  it("takes statement_timeout from the URL (PostgreSQL's own parameter, ms)", async () => {
    const db = createDatabase({ url: `${server.url}?statement_timeout=100`, models: [] });
    try {
      await expect(sql`select pg_sleep(2)`.execute(db.kysely)).rejects.toMatchObject({ code: '57014' });
    } finally {
      await db.close();
    }
  });

  it('refuses a pool_size that is not a whole number of at least 1, naming the parameter', () => {
    for (const bad of ['abc', '0', '-1', '2.5'])
      expect(() => createDatabase({ url: `${server.url}?pool_size=${bad}`, models: [] })).toThrow(
        /DATABASE_URL: pool_size must be a whole number of at least 1/,
      );
    expect(() => createDatabase({ url: `${server.url}?idle_timeout=soon`, models: [] })).toThrow(
      /idle_timeout must be a whole number/,
    );
  });

  it('refuses replicas on SQLite and a replica URL that is not PostgreSQL', () => {
    expect(() => createDatabase({ url: 'sqlite::memory:', models: [], replicaUrls: [server.url] })).toThrow(
      /Read replicas need PostgreSQL/,
    );
    expect(() => createDatabase({ url: server.url, models: [], replicaUrls: ['sqlite::memory:'] })).toThrow(
      /A replica URL must be postgres/,
    );
  });

  it('refuses a DATABASE_POOL_SIZE that is not a positive whole number', async () => {
    await expect(
      createTestClient(notes, {
        database: false,
        env: { DATABASE_URL: server.url, DATABASE_POOL_SIZE: 'many' },
      }),
    ).rejects.toThrow(/DATABASE_POOL_SIZE/);
    await expect(
      createTestClient(notes, {
        database: false,
        env: { DATABASE_URL: server.url, DATABASE_POOL_SIZE: '0' },
      }),
    ).rejects.toThrow(/DATABASE_POOL_SIZE/);
  });
});
