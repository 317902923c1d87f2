import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabase,
  defineModel,
  f,
  RecordNotFoundError,
  sql,
  UniqueViolationError,
} from '../../src/db/index.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// On PostgreSQL, a primary-key read and a plain update outside a transaction run on the pg
// pool directly, skipping Kysely's connection bookkeeping (src/db/dialects/postgres.ts).
const Counter = defineModel('direct_counter', { n: f.integer(), label: f.string({ max: 20, unique: true }) });

describe.skipIf(!hasPostgres)('the direct PostgreSQL path', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase({ url: POSTGRES_URL, models: [] });
  const db = createDatabase({ url: POSTGRES_URL, models: [Counter], searchPath: schema, poolSize: 2 });
  beforeAll(async () => {
    await admin.kysely.schema.createSchema(schema).execute();
    await db.createTables();
    await db.createMany(Counter, [
      { n: 1, label: 'one' },
      { n: 2, label: 'two' },
    ]);
  });
  afterAll(async () => {
    await db.close();
    await admin.kysely.schema.dropSchema(schema).cascade().execute();
    await admin.close();
  });

  it('reads and updates the same rows as the query builder inside a transaction', async () => {
    const direct = await db.query(Counter).get(1);
    const viaKysely = await db.transaction((tx) => tx.query(Counter).get(1));
    expect(direct).toEqual(viaKysely);
    const updated = await db.update(Counter, 2, { n: 20 });
    expect(updated).toMatchObject({ id: 2, n: 20, label: 'two' });
    expect((await db.transaction((tx) => tx.query(Counter).get(2)))?.n).toBe(20);
    await expect(db.query(Counter).get(99)).rejects.toBeInstanceOf(RecordNotFoundError);
  });

  it('maps constraint violations as the query builder does', async () => {
    await expect(db.update(Counter, 2, { label: 'one' })).rejects.toBeInstanceOf(UniqueViolationError);
    expect((await db.query(Counter).get(2))?.label).toBe('two');
  });

  it('releases its connections on close, even when Kysely never opened any', async () => {
    const name = `direct_${randomBytes(4).toString('hex')}`;
    const url = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}application_name=${name}`;
    const only = createDatabase({ url, models: [Counter], searchPath: schema, poolSize: 2 });
    await only.query(Counter).get(1);
    await only.update(Counter, 1, { n: 5 });
    const open = () =>
      sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where application_name = ${name}`
        .execute(admin.kysely)
        .then((r) => r.rows[0]!.n);
    expect(await open()).toBe(1);
    await only.close();
    // The server drops the backend once it reads the client's Terminate: poll briefly for it
    // (a pool left open would keep its idle connection for pg's 10 s idle timeout).
    let left = await open();
    for (let i = 0; i < 25 && left > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = await open();
    }
    expect(left).toBe(0);
  });
});
