import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agg,
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
const Counter = defineModel(
  'direct_counter',
  { n: f.integer(), label: f.string({ max: 20, unique: true }) },
  { ordering: ['-n'] },
);
const Note = defineModel('direct_note', { text: f.string({ max: 40 }), counter: f.belongsTo(() => Counter) });

describe.skipIf(!hasPostgres)('the direct PostgreSQL path', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase({ url: POSTGRES_URL, models: [] });
  const db = createDatabase({ url: POSTGRES_URL, models: [Counter, Note], searchPath: schema, poolSize: 2 });
  beforeAll(async () => {
    await admin.kysely.schema.createSchema(schema).execute();
    await db.createTables();
    await db.createMany(Counter, [
      { n: 1, label: 'one' },
      { n: 2, label: 'two' },
    ]);
    await db.createMany(Note, [
      { text: 'a', counterId: 1 },
      { text: 'b', counterId: 2 },
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
    // Every column written: a plain UPDATE on the direct path, the same row as read back.
    const whole = await db.update(Counter, 2, { n: 20, label: 'two' });
    expect(whole).toEqual(await db.transaction((tx) => tx.query(Counter).get(2)));
    expect(whole).toEqual({ id: 2, n: 20, label: 'two' });
    await expect(db.query(Counter).get(99)).rejects.toBeInstanceOf(RecordNotFoundError);
  });

  it('maps constraint violations as the query builder does', async () => {
    await expect(db.update(Counter, 2, { label: 'one' })).rejects.toBeInstanceOf(UniqueViolationError);
    expect((await db.query(Counter).get(2))?.label).toBe('two');
  });

  it('fails a read or an update by key with a rejected promise, never a synchronous throw', async () => {
    // The key lookup and the plain update are not async functions (one promise per call):
    // whatever fails before the statement is sent must still reject.
    const calls: Array<() => Promise<unknown>> = [
      () => db.update(Counter, 99, { n: 1 }),
      () => db.update(Counter, 1, { n: 'many' as never }),
      () => db.update(Counter, 'not-a-key' as never, { n: 1 }),
      () => db.query(Counter).get(99),
    ];
    const outcomes = calls.map((call) => {
      try {
        return call().then(
          () => 'resolved',
          (error: unknown) => (error as { code?: string }).code ?? String(error),
        );
      } catch {
        return Promise.resolve('threw synchronously');
      }
    });
    expect(await Promise.all(outcomes)).toEqual([
      'BASALT_DB_RECORD_NOT_FOUND',
      'BASALT_VALIDATION_FAILED',
      'BASALT_DB_RECORD_NOT_FOUND',
      'BASALT_DB_RECORD_NOT_FOUND',
    ]);
    const inside = await db.transaction((tx) =>
      tx.update(Counter, 99, { n: 1 }).then(
        () => 'resolved',
        (error: unknown) => (error as { code?: string }).code,
      ),
    );
    expect(inside).toBe('BASALT_DB_RECORD_NOT_FOUND');
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

  it('answers every kind of read as the query builder does in a transaction', async () => {
    const reads = (x: typeof db) =>
      Promise.all([
        x.query(Counter).all(),
        x.query(Counter).orderBy('label').select('label').all(),
        x.query(Counter).limit(1).offset(1).all(),
        x.query(Counter).first(),
        x
          .query(Counter)
          .where({ n: { gte: 2 } })
          .all(),
        x.query(Counter).count(),
        x.query(Counter).where({ label: 'none' }).exists(),
        x.query(Note).include('counter').orderBy('text').all(),
        x.query(Counter).page({ limit: 1 }),
        x.query(Counter).aggregate({ total: agg.sum('n') }),
      ]);
    const direct = await reads(db);
    // Twice: the second time from the statements compiled the first time.
    expect(await reads(db)).toEqual(direct);
    expect(await db.transaction((tx) => reads(tx as typeof db))).toEqual(direct);
    // The model's ordering (-n) applies; earlier tests set n to 5 and 20.
    expect(direct[0]!.map((c) => c.n)).toEqual([20, 5]);
    expect(direct[7]![0]).toMatchObject({ text: 'a', counter: { id: 1, label: 'one' } });
  });

  it('sees uncommitted rows inside a transaction, and nothing of them outside', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.create(Counter, { n: 3, label: 'three' });
        expect(await tx.query(Counter).count()).toBe(3);
        expect((await tx.query(Counter).all()).map((c) => c.label)).toContain('three');
        expect(await db.query(Counter).count()).toBe(2);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.query(Counter).count()).toBe(2);
  });

  it('sends every statement through the query log when there is one', async () => {
    const logged: string[] = [];
    const logging = createDatabase({
      url: POSTGRES_URL,
      models: [Counter, Note],
      searchPath: schema,
      poolSize: 2,
      log: (event) => logged.push(event.query.sql),
    });
    try {
      await logging.query(Counter).get(1);
      await logging.query(Counter).all();
      await logging.query(Counter).count();
      await logging.query(Note).include('counter').all();
      await logging.update(Counter, 1, { n: 1 });
      const created = await logging.create(Note, { text: 'c', counterId: 1 });
      await logging.delete(Note, created.id);
      expect(logged.map((text) => text.split(' ')[0])).toEqual([
        'select',
        'select',
        'select',
        'select',
        'select',
        'update',
        'insert',
        'delete',
      ]);
    } finally {
      await logging.close();
    }
  });
});
