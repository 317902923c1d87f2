import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasaltError } from '../../src/core/index.js';
import { databaseClient } from '../../src/db/data/shells.js';
import { createDatabase, defineModel, f, sql } from '../../src/db/index.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// Statements on the direct PostgreSQL path run as named prepared statements: parsed and
// planned once per connection. Each database here has a pool of one connection, so what
// Kysely reads from pg_prepared_statements is that connection's list.
const Gauge = defineModel('prep_gauge', { n: f.integer(), label: f.string({ max: 20 }) });

const withParam = (url: string, param: string) => `${url}${url.includes('?') ? '&' : '?'}${param}`;

describe.skipIf(!hasPostgres)('prepared statements on PostgreSQL', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase({ url: POSTGRES_URL, models: [] });
  const open: { close(): Promise<void> }[] = [];
  const connect = (options: { url?: string; statementCacheSize?: number } = {}) => {
    const db = createDatabase({
      url: options.url ?? POSTGRES_URL,
      models: [Gauge],
      searchPath: schema,
      poolSize: 1,
      ...(options.statementCacheSize === undefined ? {} : { statementCacheSize: options.statementCacheSize }),
    });
    open.push(db);
    return db;
  };
  const prepared = async (db: ReturnType<typeof connect>) =>
    (
      await sql<{
        statement: string;
      }>`select statement from pg_prepared_statements order by prepare_time`.execute(db.kysely)
    ).rows.map((r) => r.statement);

  beforeAll(async () => {
    await admin.kysely.schema.createSchema(schema).execute();
    const db = connect();
    await db.createTables();
    await db.createMany(Gauge, [
      { n: 1, label: 'one' },
      { n: 2, label: 'two' },
      { n: 3, label: 'three' },
    ]);
  });
  afterAll(async () => {
    for (const db of open) await db.close();
    await admin.kysely.schema.dropSchema(schema).cascade().execute();
    await admin.close();
  });

  it('prepares a statement once per connection and reuses it', async () => {
    const db = connect();
    expect(await prepared(db)).toEqual([]);
    expect(await db.get(Gauge, 1)).toEqual({ id: 1, n: 1, label: 'one' });
    expect(await db.get(Gauge, 2)).toEqual({ id: 2, n: 2, label: 'two' });
    const after = await prepared(db);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatch(/prep_gauge/);
    await db.update(Gauge, 3, { n: 30 });
    await db.update(Gauge, 3, { n: 3 });
    expect(await prepared(db)).toHaveLength(2);
  });

  it('prepares nothing with statement_cache_size=0 in the URL or statementCacheSize: 0', async () => {
    for (const db of [
      connect({ url: withParam(POSTGRES_URL, 'statement_cache_size=0') }),
      connect({ statementCacheSize: 0 }),
    ]) {
      expect(await db.get(Gauge, 1)).toEqual({ id: 1, n: 1, label: 'one' });
      await db.update(Gauge, 3, { n: 3 });
      expect(await prepared(db)).toEqual([]);
    }
  });

  it('names at most statement_cache_size distinct statements and runs the others unnamed', async () => {
    const db = connect({ url: withParam(POSTGRES_URL, 'statement_cache_size=1') });
    await db.get(Gauge, 1);
    await db.update(Gauge, 3, { n: 3 });
    await db.get(Gauge, 2);
    const list = await prepared(db);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatch(/^select/i);
  });

  it('runs a statement again when something dropped it from the connection (DISCARD ALL, a pooler)', async () => {
    const db = connect();
    expect(await db.get(Gauge, 1)).toMatchObject({ n: 1 });
    await sql`deallocate all`.execute(db.kysely);
    expect(await prepared(db)).toEqual([]);
    // pg still believes the statement is prepared there: the server answers 26000, Basalt
    // prepares it again under a new name and the caller sees only the row.
    expect(await db.get(Gauge, 2)).toEqual({ id: 2, n: 2, label: 'two' });
    expect(await db.get(Gauge, 1)).toEqual({ id: 1, n: 1, label: 'one' });
  });

  it('survives a migration that changes the type of a column it returns', async () => {
    const db = connect();
    expect(await db.get(Gauge, 2)).toEqual({ id: 2, n: 2, label: 'two' });
    // Another process migrates: PostgreSQL refuses to re-plan the prepared statement into a
    // row of another type ("cached plan must not change result type").
    await sql
      .raw(`alter table ${schema}.prep_gauge alter column label type varchar(40), alter column n type bigint`)
      .execute(admin.kysely);
    expect(await db.get(Gauge, 2)).toEqual({ id: 2, n: 2, label: 'two' });
    expect(await db.get(Gauge, 3)).toEqual({ id: 3, n: 3, label: 'three' });
  });

  it('refuses a statement_cache_size that is not a whole number', () => {
    for (const bad of ['abc', '-1', '1.5', '']) {
      expect(() => connect({ url: withParam(POSTGRES_URL, `statement_cache_size=${bad}`) })).toThrow(
        /statement_cache_size must be a whole number/,
      );
    }
    expect(() => connect({ statementCacheSize: -2 })).toThrow(BasaltError);
  });

  it('keeps its own URL parameter away from psql (basalt dbshell)', () => {
    expect(databaseClient('postgres://app@db:5432/shop?statement_cache_size=0&sslmode=disable').args).toEqual(
      ['postgres://app@db:5432/shop?sslmode=disable'],
    );
    expect(databaseClient('postgres://app@db:5432/shop?statement_cache_size=0').args).toEqual([
      'postgres://app@db:5432/shop',
    ]);
  });
});
