import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, defineModel, f } from 'basalt/db';
import { t } from 'basalt/http';
import { anonymous, defineCollection, isActiveStaff, operations, system, userActor } from 'basalt/ops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, POSTGRES_URL } from '../support/postgres.js';

// The operation layer on its own (no HTTP): actors against a collection's policy, on SQLite
// and PostgreSQL.

const Customer = defineModel('customer', { name: f.string({ max: 80 }), userId: f.integer() });
const Order = defineModel(
  'order',
  {
    customer: f.belongsTo(() => Customer, { onDelete: 'cascade' }),
    status: f.enum({ choices: { placed: 'Placed', shipped: 'Shipped' }, default: 'placed' }),
    total: f.integer({ default: 0 }),
    note: f.string({ max: 200, default: '' }),
    margin: f.integer({ default: 0 }),
  },
  { timestamps: true },
);

const hookLog: string[] = [];

const orders = defineCollection(Order, {
  include: ['customer'],
  filters: { status: ['eq', 'in'], total: ['gte'] },
  ordering: ['total', 'createdAt'],
  pagination: { style: 'cursor', pageSize: 2, maxPageSize: 10 },
  computed: { doubled: { schema: t.Integer(), get: (row) => row.total * 2 } },
  permissions: { read: 'authenticated', write: 'authenticated', delete: 'staff' },
  scope: (query, actor) =>
    actor.isStaff ? query : query.where({ customer: { userId: Number(actor.user?.id) } }),
  // Shipped orders can be seen but not changed by their customer.
  check: ({ action, object, actor }) => action === 'retrieve' || actor.isStaff || object.status === 'placed',
  fieldAccess: { margin: { read: (actor) => actor.isStaff, write: (actor) => actor.isStaff } },
  readOnly: ['customerId'],
  hooks: {
    async beforeCreate({ actor, db, data }) {
      const customer = await db
        .query(Customer)
        .where({ userId: Number(actor.user?.id) })
        .first();
      if (!customer) throw new Error('not a customer');
      data.customerId = customer.id;
      hookLog.push(`beforeCreate ${actor.kind}`);
    },
    afterUpdate({ actor, object, previous }) {
      hookLog.push(`afterUpdate ${actor.kind} ${previous.note}->${object.note}`);
    },
  },
});

const alice = userActor({ id: 1, isActive: true }, ['view_order']);
const bob = userActor({ id: 2, isActive: true });
const staff = userActor({ id: 3, isActive: true, isStaff: true });

const cases = [
  { name: 'SQLite', postgres: false },
  ...(hasPostgres ? [{ name: 'PostgreSQL', postgres: true }] : []),
];

describe.each(cases)('operations on $name', ({ postgres }) => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres ? createDatabase({ url: POSTGRES_URL, models: [] }) : null;
  let db: Database;
  let aliceOrders: number[];
  let bobOrder: number;
  let shipped: number;

  beforeAll(async () => {
    if (admin) await admin.kysely.schema.createSchema(schema).execute();
    db = postgres
      ? createDatabase({ url: POSTGRES_URL, models: [Customer, Order], searchPath: schema, poolSize: 2 })
      : createDatabase({ url: 'sqlite::memory:', models: [Customer, Order] });
    await db.createTables();
    const a = await db.create(Customer, { name: 'Alice', userId: 1 });
    const b = await db.create(Customer, { name: 'Bob', userId: 2 });
    aliceOrders = [];
    for (const total of [30, 10, 20])
      aliceOrders.push((await db.create(Order, { customerId: a.id, total })).id);
    shipped = (await db.create(Order, { customerId: a.id, total: 5, status: 'shipped' })).id;
    bobOrder = (await db.create(Order, { customerId: b.id, total: 99 })).id;
  });
  afterAll(async () => {
    await db.close();
    if (admin) {
      await admin.kysely.schema.dropSchema(schema).cascade().execute();
      await admin.close();
    }
  });

  it('lists only the rows in the actor scope, ordered, filtered and paginated by cursor', async () => {
    const ops = operations(db);
    const first = await ops.list(alice, orders, { ordering: '-total' });
    expect(first.results.map((o) => o.total)).toEqual([30, 20]);
    expect(first.next?.cursor).toMatch(/^n\./);
    const second = await ops.list(alice, orders, { ordering: '-total', cursor: first.next!.cursor });
    expect(second.results.map((o) => o.total)).toEqual([10, 5]);
    const back = await ops.list(alice, orders, { ordering: '-total', cursor: second.previous!.cursor });
    expect(back.results.map((o) => o.total)).toEqual([30, 20]);
    const filtered = await ops.list(alice, orders, { 'total[gte]': 15, status: 'placed', pageSize: 10 });
    expect(filtered.results.map((o) => o.total).sort()).toEqual([20, 30]);
    const all = await ops.list(staff, orders, { pageSize: 10 });
    expect(all.results).toHaveLength(5);
  });

  it('shows computed fields and hides fields a rule refuses the actor', async () => {
    const ops = operations(db);
    const mine = await ops.get(alice, orders, aliceOrders[0]);
    expect(mine.doubled).toBe(60);
    expect(mine).not.toHaveProperty('margin');
    expect(await ops.get(staff, orders, aliceOrders[0])).toHaveProperty('margin', 0);
    const withCustomer = await ops.get(alice, orders, aliceOrders[0], {
      include: 'customer',
      fields: 'total',
    });
    expect(withCustomer).toEqual({
      id: aliceOrders[0],
      total: 30,
      customer: expect.objectContaining({ name: 'Alice' }),
    });
  });

  it('answers 401 to the anonymous actor and 404 for another customer order, like a missing one', async () => {
    const ops = operations(db);
    await expect(ops.list(anonymous, orders)).rejects.toMatchObject({
      code: 'BASALT_HTTP_UNAUTHENTICATED',
      status: 401,
    });
    await expect(ops.get(alice, orders, bobOrder)).rejects.toMatchObject({
      code: 'BASALT_DB_RECORD_NOT_FOUND',
      status: 404,
    });
    await expect(ops.get(alice, orders, 999_999)).rejects.toMatchObject({
      code: 'BASALT_DB_RECORD_NOT_FOUND',
      status: 404,
    });
    await expect(ops.update(alice, orders, bobOrder, { note: 'x' })).rejects.toMatchObject({ status: 404 });
    expect((await db.get(Order, bobOrder)).note).toBe('');
  });

  it('answers 403 for an object the actor may see but not change, and for an action it lacks', async () => {
    const ops = operations(db);
    await expect(ops.update(alice, orders, shipped, { note: 'late' })).rejects.toMatchObject({
      code: 'BASALT_HTTP_FORBIDDEN',
      status: 403,
    });
    await expect(ops.delete(alice, orders, aliceOrders[0])).rejects.toMatchObject({ status: 403 });
    await expect(ops.update(alice, orders, aliceOrders[0], { margin: 5 } as never)).rejects.toMatchObject({
      status: 403,
    });
    expect((await db.get(Order, aliceOrders[0]!)).margin).toBe(0);
  });

  it('refuses fields the collection does not accept with a 400 naming them', async () => {
    const ops = operations(db);
    await expect(ops.update(alice, orders, aliceOrders[0], { customerId: 2 } as never)).rejects.toMatchObject(
      {
        code: 'BASALT_VALIDATION_FAILED',
        errors: [expect.objectContaining({ pointer: '/customerId' })],
      },
    );
    await expect(ops.list(alice, orders, { ordering: 'note' })).rejects.toMatchObject({ status: 400 });
    await expect(ops.list(alice, orders, { include: 'lines' })).rejects.toMatchObject({ status: 400 });
    await expect(ops.list(alice, orders, { pageSize: 11 })).rejects.toMatchObject({ status: 400 });
  });

  it('runs hooks with the actor inside the write transaction', async () => {
    hookLog.length = 0;
    const ops = operations(db);
    const created = await ops.create(bob, orders, { total: 7 });
    expect((await db.get(Order, created.id as number)).customerId).toBeGreaterThan(0);
    await ops.update(bob, orders, created.id, { note: 'gift' });
    expect(hookLog).toEqual(['beforeCreate user', 'afterUpdate user ->gift']);
    await expect(ops.create(staff, orders, { total: 1 })).rejects.toThrow('not a customer');
    expect(await db.query(Order).where({ total: 1 }).count()).toBe(0);
  });

  it('answers 404 for every action on an object the check refuses to retrieve', async () => {
    const hidden = defineCollection(Order, {
      permissions: { read: 'authenticated', write: 'authenticated', delete: 'authenticated' },
      check: ({ object, actor }) => actor.isStaff || object.status !== 'shipped',
    });
    const ops = operations(db);
    for (const call of [
      () => ops.get(alice, hidden, shipped),
      () => ops.update(alice, hidden, shipped, { note: 'x' }),
      () => ops.delete(alice, hidden, shipped),
    ])
      await expect(call()).rejects.toMatchObject({ code: 'BASALT_DB_RECORD_NOT_FOUND', status: 404 });
    expect((await ops.get(staff, hidden, shipped)).status).toBe('shipped');
  });

  it("hands the caller's context to hooks", async () => {
    const seen: unknown[] = [];
    const noted = defineCollection(Order, {
      permissions: { write: 'authenticated' },
      hooks: {
        beforeUpdate({ context }) {
          seen.push(context);
        },
      },
    });
    const context = { job: 'nightly' };
    await operations(db, { context: context as never }).update(bob, noted, bobOrder, { note: 'n' });
    await operations(db).update(bob, noted, bobOrder, { note: 'm' });
    expect(seen).toEqual([context, undefined]);
  });

  it('lets the system actor through every rule', async () => {
    const ops = operations(db);
    const all = await ops.list(system, orders, { pageSize: 10 });
    expect(all.results.length).toBeGreaterThanOrEqual(5);
    await ops.update(system, orders, shipped, { note: 'by the system' });
    expect((await db.get(Order, shipped)).note).toBe('by the system');
  });

  it('applies model permissions to a plain model: read by anyone, written by staff', async () => {
    const ops = operations(db);
    expect((await ops.get(anonymous, Customer, 1)).name).toBe('Alice');
    await expect(ops.create(bob, Customer, { name: 'Eve', userId: 9 })).rejects.toMatchObject({
      status: 403,
    });
    expect((await ops.create(staff, Customer, { name: 'Eve', userId: 9 })).name).toBe('Eve');
  });
});

describe('actors', () => {
  it('has one staff rule: an active staff user', () => {
    expect(isActiveStaff({ isStaff: true })).toBe(true);
    expect(isActiveStaff({ isStaff: true, isActive: false })).toBe(false);
    expect(isActiveStaff({ isStaff: false })).toBe(false);
    expect(isActiveStaff(null)).toBe(false);
  });

  it('gives a superuser every permission and an inactive user none; loads a permission set once', async () => {
    expect(userActor({ id: 1, isSuperuser: true }).hasPermission('delete_order')).toBe(true);
    expect(userActor({ id: 1, isActive: false }, ['view_order']).hasPermission('view_order')).toBe(false);
    let loads = 0;
    const lazy = userActor({ id: 1 }, async () => {
      loads += 1;
      return new Set(['view_order']);
    });
    expect(await lazy.hasPermission('shop.view_order')).toBe(true);
    expect(await lazy.hasPermission('add_order')).toBe(false);
    expect(loads).toBe(1);
    expect(anonymous.hasPermission('view_order')).toBe(false);
    expect(system.hasPermission('view_order')).toBe(true);
  });
});
