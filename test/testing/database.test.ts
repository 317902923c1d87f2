import { defineApp, get, post, t } from 'basalt';
import { createDatabase, defineModel, f, sql } from 'basalt/db';
import { createTestClient, createTestDatabase, defineFactory, type TestClient } from 'basalt/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

const PG = POSTGRES_URL;

const Shelf = defineModel('shelf', { label: f.string({ max: 50, unique: true }) });
const Item = defineModel('item', {
  name: f.string({ max: 50 }),
  shelf: f.belongsTo(() => Shelf, { onDelete: 'cascade' }),
});

const routes = [
  post(
    '/shelves',
    { body: t.Object({ label: t.String() }), response: t.Object({ id: t.Integer(), label: t.String() }) },
    ({ db, body }) => db.create(Shelf, body),
  ),
  // Writes two rows in its own transaction: inside a test transaction it must become a savepoint.
  post('/shelves/pair', { body: t.Object({ label: t.String() }), problems: [409] }, async ({ db, body }) => {
    await db.transaction(async (tx) => {
      await tx.create(Shelf, { label: `${body.label}-a` });
      await tx.create(Shelf, { label: `${body.label}-b` });
    });
    return { ok: true };
  }),
  get('/shelves/count', { response: t.Object({ count: t.Integer() }) }, async ({ db }) => ({
    count: await db.query(Shelf).count(),
  })),
] as const;

const app = defineApp({ name: 'shelves', models: [Shelf, Item], routes });

const shelves = defineFactory(Shelf, ({ seq }) => ({ label: `shelf-${seq}` }));
const items = defineFactory(Item, async ({ seq, db }) => ({
  name: `item-${seq}`,
  shelfId: (await shelves.create(db)).id,
}));

describe.each([
  { dialect: 'sqlite', url: 'sqlite::memory:' },
  ...(hasPostgres ? [{ dialect: 'postgres', url: PG }] : []),
])('test databases on $dialect', ({ url }) => {
  let client: TestClient<typeof routes>;
  beforeAll(async () => {
    client = await createTestClient(app, { database: { url } });
  });
  afterAll(() => client.close());
  beforeEach(() => client.begin());
  afterEach(() => client.rollback());

  it('builds the schema of a fresh database and serves requests through the test transaction', async () => {
    const res = await client.post('/shelves', { body: { label: 'fiction' } });
    expect(res.status).toBe(201);
    expect((await client.get('/shelves/count')).body).toEqual({ count: 1 });
    expect(await client.db!.query(Shelf).count()).toBe(1);
  });

  it('rolls back what the previous test wrote', async () => {
    expect((await client.get('/shelves/count')).body).toEqual({ count: 0 });
  });

  it('turns transactions of the code under test into savepoints', async () => {
    expect((await client.post('/shelves/pair', { body: { label: 'x' } })).status).toBe(201);
    expect((await client.get('/shelves/count')).body).toEqual({ count: 2 });
    // A unique violation inside the handler's transaction rolls back its savepoint only.
    const clash = await client.post('/shelves/pair', { body: { label: 'x' } });
    expect(clash.status).toBe(409);
    expect((await client.get('/shelves/count')).body).toEqual({ count: 2 });
  });

  it('creates rows with factories, sequences and related rows', async () => {
    const made = await items.createMany(client.db!, 3);
    expect(made.map((i) => i.name)).toEqual([
      expect.stringMatching(/^item-\d+$/),
      expect.any(String),
      expect.any(String),
    ]);
    expect(new Set(made.map((i) => i.shelfId)).size).toBe(3);
    const named = await shelves.create(client.db!, { label: 'chosen' });
    expect(named.label).toBe('chosen');
    expect(await client.db!.query(Shelf).count()).toBe(4);
  });
});

describe.skipIf(!hasPostgres)('PostgreSQL test schemas', () => {
  it('gives each test database its own schema and drops it on close', async () => {
    const a = await createTestDatabase({ models: [Shelf, Item], url: PG });
    const b = await createTestDatabase({ models: [Shelf, Item], url: PG });
    expect(a.schema).not.toBe(b.schema);
    await a.db.create(Shelf, { label: 'only-in-a' });
    expect(await b.db.query(Shelf).count()).toBe(0);
    await a.close();
    await b.close();
    const probe = createDatabase({ url: PG, models: [] });
    const left = await sql<{
      n: number;
    }>`select count(*)::int as n from information_schema.schemata where schema_name in (${a.schema}, ${b.schema})`.execute(
      probe.kysely,
    );
    await probe.close();
    expect(left.rows[0]!.n).toBe(0);
  });
});
