import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineApp, post, t } from 'basalt';
import { createTestClient } from 'basalt/testing';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database, LockTimeoutError } from '../../src/db/index.js';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';
import { type ReadyGoProcess, startReadyGoProcess } from '../support/ready-go-process.js';
import { dialects } from './fixtures/dialects.js';
import { borrow, Copy, Loan, type LoanOutcome, loanModels, tryBorrow } from './fixtures/loans.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/loan-process.ts', import.meta.url));
const _ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A promise and the function that settles it: holds a transaction open until the test says so. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** A barrier for `n` parties: each call resolves once all `n` have called. */
function barrier(n: number): () => Promise<void> {
  const all = gate();
  let arrived = 0;
  return () => {
    arrived += 1;
    if (arrived === n) all.open();
    return all.wait;
  };
}

/** Checks the outcome of 20 concurrent loans of a title with one copy left. */
async function expectOneLoan(
  db: Database<(typeof loanModels)[number]>,
  outcomes: LoanOutcome[],
  copyId: number,
) {
  expect(outcomes).toHaveLength(20);
  const refused = outcomes.filter((o) => !o.ok);
  expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
  expect(refused).toHaveLength(19);
  for (const outcome of refused) expect(outcome).toMatchObject({ code: 'BASALT_HTTP_CONFLICT', status: 409 });
  expect(await db.query(Loan).count()).toBe(1);
  expect((await db.get(Copy, copyId)).available).toBe(0);
}

describe.each(dialects)('row locks on $name', (dialect) => {
  let db: Database<(typeof loanModels)[number]>;
  const statements: string[] = [];

  beforeAll(async () => {
    if (dialect.skip) return;
    db = await dialect.open(loanModels, (event) => statements.push(event.query.sql));
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    if (dialect.skip) return;
    await db.deleteMany(Loan, {});
    await db.deleteMany(Copy, {});
    statements.length = 0;
  });

  it.skipIf(dialect.skip)(
    'refuses a lock outside a transaction, in a read-only one, or with count()',
    async () => {
      expect(() => db.query(Copy).forUpdate()).toThrow(
        expect.objectContaining({ code: 'BASALT_DB_INVALID_LOCK', status: 500 }),
      );
      expect(() => db.query(Copy).forShare()).toThrow(/outside a transaction/);
      await expect(
        db.transaction(async (tx) => tx.query(Copy).forUpdate().all(), { readOnly: true }),
      ).rejects.toMatchObject({
        code: 'BASALT_DB_INVALID_LOCK',
        message: expect.stringMatching(/read-only/),
      });
      await expect(
        db.transaction(async (tx) =>
          tx
            .query(Copy)
            .forUpdate({ skipLocked: true, noWait: true } as never)
            .all(),
        ),
      ).rejects.toMatchObject({ code: 'BASALT_DB_INVALID_LOCK' });
      await expect(db.transaction(async (tx) => tx.query(Copy).forUpdate().count())).rejects.toMatchObject({
        code: 'BASALT_DB_INVALID_LOCK',
      });
    },
  );

  it.skipIf(dialect.skip)(
    'reads locked rows inside a transaction, with the clause PostgreSQL needs',
    async () => {
      const copy = await db.create(Copy, { title: 'Dune', available: 2 });
      const read = await db.transaction(async (tx) => ({
        one: await tx.query(Copy).forUpdate().get(copy.id),
        all: await tx
          .query(Copy)
          .forShare({ skipLocked: true })
          .where({ available: { gt: 0 } })
          .all(),
        first: await tx.query(Copy).forUpdate({ noWait: true }).first(),
        exists: await tx.query(Copy).forUpdate().where({ title: 'Dune' }).exists(),
      }));
      expect(read.one).toEqual(copy);
      expect(read.all).toEqual([copy]);
      expect(read.first).toEqual(copy);
      expect(read.exists).toBe(true);
      const locking = statements.filter((s) => / for (update|share)/.test(s));
      if (dialect.name === 'postgres') {
        expect(locking).toHaveLength(4);
        expect(locking[0]).toMatch(/ for update of t0$/);
        expect(locking[1]).toMatch(/ for share of t0 skip locked$/);
        expect(locking[2]).toMatch(/ for update of t0 nowait$/);
      } else {
        // SQLite has no row locks: the transaction's write lock covers every row.
        expect(locking).toEqual([]);
      }
    },
  );

  it.skipIf(dialect.skip)('refuses writes in a read-only transaction and writes again after it', async () => {
    const copy = await db.create(Copy, { title: 'Emma', available: 1 });
    await expect(
      db.transaction((tx) => tx.update(Copy, copy.id, { available: 5 }), { readOnly: true }),
    ).rejects.toThrow(/read-only|readonly/i);
    expect(
      await db.transaction(async (tx) => (await tx.get(Copy, copy.id)).available, { readOnly: true }),
    ).toBe(1);
    await db.transaction((tx) => tx.update(Copy, copy.id, { available: 3 }));
    expect((await db.get(Copy, copy.id)).available).toBe(3);
  });
});

describe.skipIf(!hasPostgres)('row locks between PostgreSQL transactions', () => {
  let db: Database<(typeof loanModels)[number]>;
  const schema = `t_locks_${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    db = createDatabase({ url: POSTGRES_URL, models: loanModels, searchPath: schema });
    await sql`create schema ${sql.id(schema)}`.execute(db.kysely);
    await db.createTables();
  });
  afterAll(async () => {
    await sql`drop schema ${sql.id(schema)} cascade`.execute(db.kysely);
    await db?.close();
  });
  beforeEach(async () => {
    await db.deleteMany(Loan, {});
    await db.deleteMany(Copy, {});
  });

  /** Runs `other` while a transaction holds a FOR UPDATE lock on `id`. */
  async function whileLocked<T>(id: number, other: () => Promise<T>): Promise<T> {
    const release = gate();
    const locked = gate();
    const holder = db.transaction(async (tx) => {
      await tx.query(Copy).forUpdate().get(id);
      locked.open();
      await release.wait;
    });
    await locked.wait;
    try {
      return await other();
    } finally {
      release.open();
      await holder;
    }
  }

  it('lends the last copy once among 20 concurrent loans on 20 connections', async () => {
    // Its own pool of 20 in the same schema, and a barrier: every transaction has begun before
    // any of them reads, so the twenty really overlap (a fresh pool would otherwise let the
    // first loan finish while the other connections are still being opened).
    const wide = createDatabase({ url: POSTGRES_URL, models: loanModels, searchPath: schema, poolSize: 20 });
    try {
      const copy = await wide.create(Copy, { title: 'Middlemarch', available: 1 });
      const all = barrier(20);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => tryBorrow(wide, copy.id, `b${i}`, all)),
      );
      await expectOneLoan(wide, outcomes, copy.id);
    } finally {
      await wide.close();
    }
  });

  it('skips rows another transaction holds with skipLocked', async () => {
    const a = await db.create(Copy, { title: 'A', available: 1 });
    const b = await db.create(Copy, { title: 'B', available: 1 });
    const seen = await whileLocked(a.id, () =>
      db.transaction(async (tx) => tx.query(Copy).forUpdate({ skipLocked: true }).orderBy('title').all()),
    );
    expect(seen.map((c) => c.id)).toEqual([b.id]);
  });

  it('answers a 503 LockTimeoutError at once with noWait, and after lock_timeout', async () => {
    const copy = await db.create(Copy, { title: 'C', available: 1 });
    const noWait = await whileLocked(copy.id, () =>
      db
        .transaction((tx) => tx.query(Copy).forUpdate({ noWait: true }).get(copy.id))
        .catch((e: unknown) => e),
    );
    expect(noWait).toBeInstanceOf(LockTimeoutError);
    expect(noWait).toMatchObject({
      code: 'BASALT_DB_LOCK_TIMEOUT',
      status: 503,
      expose: true,
      headers: { 'Retry-After': '1' },
    });
    const timedOut = await whileLocked(copy.id, () =>
      db
        .transaction(async (tx) => {
          await sql`set local lock_timeout = '50ms'`.execute(tx.kysely);
          return tx.update(Copy, copy.id, { available: 0 });
        })
        .catch((e: unknown) => e),
    );
    expect(timedOut).toMatchObject({ code: 'BASALT_DB_LOCK_TIMEOUT', status: 503 });
    expect((await db.get(Copy, copy.id)).available).toBe(1);
  });
});

describe('SQLite write transactions across connections', () => {
  let dir: string;
  let url: string;
  let file: string;
  let db: Database<(typeof loanModels)[number]>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'basalt-locks-'));
    file = join(dir, 'library.db');
    url = `sqlite:${file}`;
    db = createDatabase({ url, models: loanModels });
    await db.createTables();
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db.deleteMany(Loan, {});
    await db.deleteMany(Copy, {});
  });

  /** Another connection to the same file, which gives up at once when the database is locked. */
  function otherConnection() {
    const other = new BetterSqlite3(file, { timeout: 0 });
    return other;
  }

  it('takes the write lock when a read-write transaction begins, not at its first write', async () => {
    const other = otherConnection();
    try {
      let attempt: unknown;
      await db.transaction(async (tx) => {
        await tx.query(Copy).count();
        try {
          other.exec('begin immediate');
          other.exec('rollback');
          attempt = 'got the write lock';
        } catch (error) {
          attempt = (error as { code?: string }).code;
        }
      });
      expect(attempt).toBe('SQLITE_BUSY');
      // A read-only transaction is deferred: it never keeps writers out.
      await db.transaction(
        async (tx) => {
          await tx.query(Copy).count();
          other.exec('begin immediate');
          other.exec("insert into copy (title, available) values ('written meanwhile', 1)");
          other.exec('commit');
        },
        { readOnly: true },
      );
      expect(await db.query(Copy).where({ title: 'written meanwhile' }).exists()).toBe(true);
    } finally {
      other.close();
    }
  });

  it('answers a 503 LockTimeoutError when the write lock is still held after the busy timeout', async () => {
    const other = otherConnection();
    await sql`pragma busy_timeout = 100`.execute(db.kysely);
    try {
      other.exec('begin immediate');
      await expect(
        db.transaction((tx) => tx.create(Copy, { title: 'T', available: 1 })),
      ).rejects.toMatchObject({
        code: 'BASALT_DB_LOCK_TIMEOUT',
        status: 503,
        headers: { 'Retry-After': '1' },
      });
      await expect(db.create(Copy, { title: 'T', available: 1 })).rejects.toBeInstanceOf(LockTimeoutError);
      other.exec('rollback');
      await db.transaction((tx) => tx.create(Copy, { title: 'T', available: 1 }));
      expect(await db.query(Copy).count()).toBe(1);
    } finally {
      if (other.inTransaction) other.exec('rollback');
      other.close();
      await sql`pragma busy_timeout = 5000`.execute(db.kysely);
    }
  });

  it('answers 503 with Retry-After over HTTP while the lock is held, then 201, then 409', async () => {
    const lend = post(
      '/copies/:id/loans',
      // 409: the copy is already lent.
      { params: t.Object({ id: t.Integer() }), response: t.Object({ lent: t.Boolean() }), problems: [409] },
      async ({ db: appDb, params }) => {
        await borrow(appDb, params.id, 'web');
        return { lent: true };
      },
    );
    const client = await createTestClient(defineApp({ name: 'loans', models: loanModels, routes: [lend] }), {
      database: false,
      envFile: false,
      env: { DATABASE_URL: url },
    });
    const other = otherConnection();
    try {
      const copy = await db.create(Copy, { title: 'Sanditon', available: 1 });
      await sql`pragma busy_timeout = 100`.execute(client.app.db!.kysely);
      other.exec('begin immediate');
      const busy = await client.request({ method: 'POST', url: `/copies/${copy.id}/loans` });
      expect(busy.status).toBe(503);
      expect(busy.headers['retry-after']).toBe('1');
      expect(busy.problem).toMatchObject({ code: 'BASALT_DB_LOCK_TIMEOUT', status: 503 });
      other.exec('rollback');
      const lent = await client.request({ method: 'POST', url: `/copies/${copy.id}/loans` });
      expect(lent.status).toBe(201);
      const none = await client.request({ method: 'POST', url: `/copies/${copy.id}/loans` });
      expect(none.status).toBe(409);
      expect(none.problem).toMatchObject({ code: 'BASALT_HTTP_CONFLICT' });
    } finally {
      if (other.inTransaction) other.exec('rollback');
      other.close();
      await client.close();
    }
  });

  it('lends the last copy once among 20 concurrent loans from 4 processes', async () => {
    const copy = await db.create(Copy, { title: 'Persuasion', available: 1 });
    const processes = Array.from({ length: 4 }, (_, p) => lendInProcess(url, copy.id, 5, `p${p}`));
    await Promise.all(processes.map((p) => p.ready));
    for (const p of processes) p.go();
    const results = await Promise.all(processes.map((p) => p.done));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const outcomes = results.flatMap((r) => JSON.parse(r.stdout) as LoanOutcome[]);
    await expectOneLoan(db, outcomes, copy.id);
  }, 120_000);
});

/** A process with its own connection to the file, lending `loans` copies once told to go. */
function lendInProcess(url: string, copyId: number, loans: number, name: string): ReadyGoProcess {
  return startReadyGoProcess(SCRIPT, [url, String(copyId), String(loans), name]);
}
