import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, defineModel, type Executor, f, sql } from 'basalt/db';
import { AuditEntry, auditLog, defineCollection, operations, system, userActor } from 'basalt/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// The audit log of the operation layer on SQLite and PostgreSQL: what is recorded, what is
// never recorded, what rolls back, and reading it back.

const Account = defineModel(
  'account',
  {
    name: f.string({ max: 80 }),
    password: f.string({ max: 200, default: '', writeOnly: true }),
    apiToken: f.string({ max: 200, default: '' }),
    pin: f.string({ max: 10, default: '' }),
    internal: f.string({ max: 200, default: '' }),
    margin: f.integer({ default: 0 }),
    balance: f.decimal({ precision: 10, scale: 2, default: '0.00' }),
    lastSeen: f.datetime({ optional: true }),
    settings: f.json({ optional: true }),
  },
  { timestamps: true },
);

const Note = defineModel('note', { text: f.string({ max: 200 }) });

const accounts = defineCollection(Account, {
  audit: true,
  permissions: { read: 'authenticated', write: 'authenticated' },
  // Write-only in this collection, excluded from it, shown to staff only.
  writeOnly: ['pin'],
  exclude: ['internal'],
  fieldAccess: { margin: { read: (actor) => actor.isStaff } },
  hooks: {
    beforeCreate({ data }) {
      data.internal = 'INTERNAL-create-s3cret';
    },
    beforeUpdate({ data }) {
      if (data.name !== undefined) data.internal = 'INTERNAL-update-s3cret';
    },
  },
});

const failing = defineCollection(Account, {
  audit: true,
  permissions: { write: 'authenticated' },
  hooks: {
    afterCreate() {
      throw new Error('refused after the insert');
    },
    afterUpdate() {
      throw new Error('refused after the update');
    },
  },
});

const quietAccounts = defineCollection(Account, { audit: { exclude: ['balance'] } });
const notes = defineCollection(Note, {});

const ann = userActor({ id: 7, email: 'ann@example.com', isActive: true });
const bob = userActor({ id: 8, username: 'bob', isActive: true, isStaff: true });

const SECRETS = [
  'hunter2-password',
  'tok_live_abcdef',
  '4242',
  'INTERNAL-create-s3cret',
  'INTERNAL-update-s3cret',
];

/** Counts the transactions opened through the database (the real one does the work). */
function counting(db: Database): { db: Executor; transactions: () => number } {
  let count = 0;
  const proxy = new Proxy(db, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key === 'transaction')
        return (...args: unknown[]) => {
          count += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxy as Executor, transactions: () => count };
}

async function storedJson(db: Database): Promise<string> {
  const { rows } = await sql<{ changes: unknown }>`select changes from basalt_audit_entry`.execute(db.kysely);
  return rows.map((r) => (typeof r.changes === 'string' ? r.changes : JSON.stringify(r.changes))).join('\n');
}

const cases = [
  { name: 'SQLite', postgres: false },
  ...(hasPostgres ? [{ name: 'PostgreSQL', postgres: true }] : []),
];

describe.each(cases)('the audit log on $name', ({ postgres }) => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres ? createDatabase({ url: POSTGRES_URL, models: [] }) : null;
  const models = [Account, Note, AuditEntry];
  let db: Database;

  beforeAll(async () => {
    if (admin) await admin.kysely.schema.createSchema(schema).execute();
    db = postgres
      ? createDatabase({ url: POSTGRES_URL, models, searchPath: schema, poolSize: 2 })
      : createDatabase({ url: 'sqlite::memory:', models });
    await db.createTables();
  });
  afterAll(async () => {
    await db.close();
    if (admin) {
      await admin.kysely.schema.dropSchema(schema).cascade().execute();
      await admin.close();
    }
  });

  it('records a create with the actor, the time and the new values, JSON-safe', async () => {
    const before = Date.now();
    const created = await operations(db).create(ann, accounts, {
      name: 'Ann',
      password: 'hunter2-password',
      apiToken: 'tok_live_abcdef',
      pin: '4242',
      balance: '10.50',
      lastSeen: new Date('2026-01-02T03:04:05.000Z'),
      settings: { theme: 'dark', sizes: [1, 2] },
    });
    const after = Date.now();
    const { entries, next } = await auditLog(db).forObject(accounts, created.id);
    expect(next).toBeNull();
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({
      action: 'create',
      model: 'account',
      objectId: String(created.id),
      actor: { kind: 'user', id: '7', label: 'ann@example.com' },
    });
    expect(entry!.at).toBeInstanceOf(Date);
    expect(entry!.at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(entry!.at.getTime()).toBeLessThanOrEqual(after + 1000);
    expect(entry!.changes).toEqual({
      name: [null, 'Ann'],
      balance: [null, '10.50'],
      lastSeen: [null, '2026-01-02T03:04:05.000Z'],
      settings: [null, { theme: 'dark', sizes: [1, 2] }],
      createdAt: [null, expect.stringMatching(/^\d{4}-\d\d-\d\dT/)],
      password: [null, '[redacted]'],
      apiToken: [null, '[redacted]'],
      pin: [null, '[redacted]'],
    });
  });

  it('records only the changed fields of an update, and nothing for an update that changes nothing', async () => {
    const created = await operations(db).create(ann, accounts, { name: 'Cleo', balance: '1.00' });
    await operations(db).update(bob, accounts, created.id, {
      name: 'Cleo B.',
      balance: '1.00',
      password: 'hunter2-password',
      margin: 12,
    });
    await operations(db).update(bob, accounts, created.id, { name: 'Cleo B.' });
    const { entries } = await auditLog(db).forObject(Account, created.id);
    expect(entries.map((e) => e.action)).toEqual(['update', 'create']);
    expect(entries[0]!.actor).toEqual({ kind: 'user', id: '8', label: 'bob' });
    // margin has a read rule, internal is excluded, updatedAt is the entry's own time.
    expect(entries[0]!.changes).toEqual({
      name: ['Cleo', 'Cleo B.'],
      password: [null, '[redacted]'],
    });
  });

  it('records a delete with the values the object had, and the system actor as system', async () => {
    const created = await operations(db).create(ann, accounts, { name: 'Dora', pin: '4242' });
    await operations(db).delete(system, accounts, created.id);
    const [deleted] = (await auditLog(db).forObject(accounts, created.id)).entries;
    expect(deleted).toMatchObject({ action: 'delete', actor: { kind: 'system', id: null, label: null } });
    expect(deleted!.changes).toMatchObject({
      name: ['Dora', null],
      balance: ['0.00', null],
      pin: ['[redacted]', null],
    });
    expect(deleted!.changes).not.toHaveProperty('internal');
  });

  it('never stores a password, a token, a write-only, excluded or rule-hidden value', async () => {
    const created = await operations(db).create(ann, accounts, {
      name: 'Eve',
      password: 'hunter2-password',
      apiToken: 'tok_live_abcdef',
      pin: '4242',
      margin: 31337,
    });
    await operations(db).update(ann, accounts, created.id, {
      name: 'Eve 2',
      password: 'hunter2-password-2',
      apiToken: 'tok_live_abcdef-2',
    });
    await operations(db).delete(ann, accounts, created.id);
    const stored = await storedJson(db);
    expect(stored).toContain('Eve 2');
    for (const secret of [...SECRETS, '31337']) expect(stored).not.toContain(secret);
  });

  it('leaves out the fields audit.exclude names', async () => {
    const created = await operations(db).create(system, quietAccounts, { name: 'Fay', balance: '5.00' });
    const [entry] = (await auditLog(db).forObject(Account, created.id)).entries;
    expect(entry!.changes).toHaveProperty('name', [null, 'Fay']);
    expect(entry!.changes).not.toHaveProperty('balance');
  });

  it('records nothing when the write rolls back', async () => {
    const count = async () => (await db.query(AuditEntry).all()).length;
    const entries = await count();
    const rows = (await db.query(Account).all()).length;
    await expect(operations(db).create(ann, failing, { name: 'Gus' })).rejects.toThrow(
      'refused after the insert',
    );
    expect(await count()).toBe(entries);
    expect((await db.query(Account).all()).length).toBe(rows);
    const kept = await operations(db).create(ann, accounts, { name: 'Hal' });
    const recorded = await count();
    // The same write without the failing hook is recorded: the assertions above can fail.
    expect(recorded).toBe(entries + 1);
    await expect(operations(db).update(ann, failing, kept.id, { name: 'Hal 2' })).rejects.toThrow(
      'refused after the update',
    );
    expect(await count()).toBe(recorded);
    expect((await db.get(Account, Number(kept.id))).name).toBe('Hal');
  });

  it('writes no entry and opens no transaction for a collection that is not audited', async () => {
    const spy = counting(db);
    const entries = (await db.query(AuditEntry).all()).length;
    const ops = operations(spy.db);
    const note = await ops.create(system, notes, { text: 'one' });
    await ops.update(system, notes, note.id, { text: 'two' });
    await ops.delete(system, notes, note.id);
    expect(spy.transactions()).toBe(0);
    expect((await db.query(AuditEntry).all()).length).toBe(entries);
    // The same spy sees the audited collection's transactions: the count can fail.
    const account = await ops.create(system, accounts, { name: 'Ivy' });
    expect(spy.transactions()).toBe(1);
    expect((await auditLog(db).forObject(accounts, account.id)).entries).toHaveLength(1);
  });

  it('reads an object history and an actor history newest first, a page at a time', async () => {
    const writer = userActor({ id: 4242_01, isActive: true });
    const created = await operations(db).create(writer, accounts, { name: 'v0' });
    for (const name of ['v1', 'v2', 'v3'])
      await operations(db).update(writer, accounts, created.id, { name });
    const log = auditLog(db);
    const first = await log.forObject(accounts, created.id, { limit: 3 });
    expect(first.entries.map((e) => e.changes.name?.[1])).toEqual(['v3', 'v2', 'v1']);
    expect(first.next).toBe(first.entries[2]!.id);
    const second = await log.forObject(accounts, created.id, { limit: 3, before: first.next! });
    expect(second.entries.map((e) => e.action)).toEqual(['create']);
    expect(second.next).toBeNull();
    const byId = await log.byActor(4242_01);
    expect(byId.entries).toHaveLength(4);
    expect((await log.byActor(String(4242_01))).entries).toHaveLength(4);
    expect((await log.byActor(writer)).entries.map((e) => e.id)).toEqual(byId.entries.map((e) => e.id));
    const bySystem = await log.byActor(system, { limit: 500 });
    expect(bySystem.entries.length).toBeGreaterThan(0);
    for (const entry of bySystem.entries) expect(entry.actor.kind).toBe('system');
  });

  it('answers a clear error, not a database error, when the log table was never migrated', async () => {
    const bare = `${schema}_bare`;
    if (admin) await admin.kysely.schema.createSchema(bare).execute();
    const other = postgres
      ? createDatabase({ url: POSTGRES_URL, models: [Account], searchPath: bare, poolSize: 1 })
      : createDatabase({ url: 'sqlite::memory:', models: [Account] });
    await other.createTables();
    try {
      const error = await operations(other)
        .create(system, accounts, { name: 'Jo' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BASALT_CONFIG_INVALID' });
      expect((error as Error).message).toContain('add audit() to the app');
      expect(await other.query(Account).all()).toEqual([]);
    } finally {
      await other.close();
      if (admin) await admin.kysely.schema.dropSchema(bare).cascade().execute();
    }
  });

  it('refuses a bad page or id with a 400 naming the parameter', async () => {
    const log = auditLog(db);
    for (const options of [
      { limit: 0 },
      { limit: 501 },
      { limit: 1.5 },
      { before: -1 },
      { before: 'x' as never },
    ]) {
      const error = await log.forObject(accounts, 1, options).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BASALT_VALIDATION_FAILED', status: 400 });
      const pointer = Object.keys(options)[0];
      expect((error as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe(`/${pointer}`);
    }
    for (const id of [undefined, null, { id: 1 }])
      await expect(() => log.forObject(accounts, id)).toThrow(expect.objectContaining({ status: 400 }));
    await expect(() => log.byActor({} as never)).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('audit configuration', () => {
  it('refuses an audit.exclude naming no field, when the collection is declared', () => {
    expect(() => defineCollection(Account, { audit: { exclude: ['nope' as never] } })).toThrow(
      expect.objectContaining({ code: 'BASALT_CONFIG_INVALID', message: expect.stringContaining("'nope'") }),
    );
  });
});
